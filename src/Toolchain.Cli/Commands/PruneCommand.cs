using System.CommandLine;
using System.Globalization;
using Toolchain.Cli.Ui;
using Toolchain.Methods;
using Toolchain.Pipeline;
using Toolchain.Pruning;

namespace Toolchain.Cli.Commands;

/// <summary>
/// <c>toolchain prune MODEL --method fsa --budget latency=50% --data fashion-mnist --epochs 6 --finetune-epochs 4 --out small.onnx</c>:
/// the command-line face of <see cref="PruneJob"/> (a pruning method under budgets, or <c>--ratio</c>, the uniform
/// one-shot baseline, run through <see cref="PruningRun"/>, written as ONNX or a graph file with the trail beside it,
/// then dense and pruned compared). The command turns its options into a <see cref="PruneRequest"/>, shows the job's
/// lines, progress and trail entries, and reports the result: tables for people, one <c>prune</c> record for --json.
/// </summary>
public sealed class PruneCommand(UiFactory uiFactory) : ICliCommand
{
    /// <summary>The options' defaults: the request's own (one place says what an option left out means).</summary>
    private static readonly PruneRequest Defaults = new() { Model = "", Output = "" };

    public Command Build()
    {
        var model = new Argument<string>("model") { Description = "Zoo name, graph file, checkpoint or .onnx file" };
        var method = new Option<string>("--method")
        {
            Description = $"With --budget, the pruning method: {string.Join(", ", PruningMethods.Names)} (see 'Methods' in the README; budgets and latency-aware widths are our extension of each). " +
                          $"With --ratio, the channel criterion: {string.Join(", ", Importance.Names)}",
            DefaultValueFactory = _ => Defaults.Method,
        };
        var budget = new Option<string[]>("--budget", "-b")
        {
            Description = "A budget all of which must hold: latency=50% (of the dense model's predicted latency), latency=0.45ms, macs=40%, macs=20M, params=50%, params=120k; repeatable. " +
                          "With --sparsity unstructured only params=P% or params=N, counting exactly the conv and linear (Gemm) weight entries kept non-zero (biases and BatchNorm parameters are not counted and never masked)",
            AllowMultipleArgumentsPerToken = false,
        };
        var ratio = new Option<double?>("--ratio") { Description = "Shorthand without a budget: remove this fraction of every prunable group (uniform baseline), in (0, 1)" };
        var roundTo = new Option<int>("--round-to") { Description = "Keep widths that are multiples of this (SIMD-friendly)", DefaultValueFactory = _ => Defaults.RoundTo };
        var output = new Option<string>("--out", "-o") { Description = "Where to write: .onnx (deployable) or .safetensors (graph file, trainable); the trail goes beside it as NAME.trail.json", Required = true };
        var data = CommandOptions.Data(defaultValue: "");
        data.Description = "Data to train, fine-tune and evaluate on (needed by training methods and fine-tuning): " + data.Description;
        var epochs = new Option<int?>("--epochs") { Description = "Epochs of the pruning phase (default: 0 for l1/random, 5 for the training methods)" };
        var fineTuneEpochs = new Option<int>("--finetune-epochs") { Description = "Epochs of fine-tuning the compacted model (its own SGD and cosine schedule)", DefaultValueFactory = _ => Defaults.FineTuneEpochs };
        var lr = new Option<double>("--lr") { Description = "Learning rate of the pruning phase (GReg uses the authors' constant 1e-3)", DefaultValueFactory = _ => Defaults.LearningRate };
        var fineTuneLr = new Option<double>("--finetune-lr") { Description = "Learning rate of fine-tuning (the authors of GReg start at 1e-2)", DefaultValueFactory = _ => Defaults.FineTuneLearningRate };
        var batchSize = new Option<int>("--batch-size") { Description = "Training batch size", DefaultValueFactory = _ => Defaults.BatchSize };
        var batch = new Option<int>("--batch")
        {
            Description = "Deployment batch size: the batch the latency profile describes and the deployed engine is measured at (training uses --batch-size)",
            DefaultValueFactory = _ => Defaults.Batch,
        };
        var profile = new Option<string?>("--profile", "-p")
        {
            Description = "Latency profile for latency budgets and predictions (default: the one in profiles/ for ort-cpu at the --batch); " +
                          $"'auto' measures this machine's tables for the model first (kept in {LatencyProfiles.AutoProfilePath(PruneJob.Engine, 1)} for batch 1, and so on, extended run by run)",
        };
        var recalibrate = new Option<bool>("--recalibrate")
        {
            Description = "With a latency budget: measure the model's whole-model latency calibration again on this machine as it runs now before pruning " +
                          "(15–30 s; the profile file is left as it is). A host whose speed shifts between regimes (a shared VM) then predicts within the tables' own error",
        };
        var measureSeconds = new Option<double>("--measure-seconds") { Description = "Measure dense and pruned on ONNX Runtime for this long, taking turns (0: skip)", DefaultValueFactory = _ => Defaults.MeasureSeconds };
        var allocateBy = new Option<string>("--allocate-by")
        {
            Description = "Rank width reductions by what they save of: 'budget' (the budgets' own costs, latency-aware with a latency budget; the default) " +
                          "or 'macs' / 'params' (the budgets still decide when to stop) — to see what latency-aware allocation buys",
            DefaultValueFactory = _ => Defaults.AllocateBy,
        };
        allocateBy.AcceptOnlyFromAmong("budget", "macs", "params");
        var seed = new Option<int>("--seed") { Description = "Seed of batch order, augmentation and the random method" };
        var mu = new Option<double>("--mu") { Description = "fsa: μ of the annealing schedule (larger removes earlier)", DefaultValueFactory = _ => Defaults.Mu };
        var fsaSelection = new Option<string>("--fsa-selection")
        {
            Description = "fsa: 'per-layer' (each group anneals to the width the allocator gives it for the budget: the paper's M_e per layer) or 'global' (the annealed budget re-allocated across all groups at every step, our extension)",
            DefaultValueFactory = _ => Defaults.FsaSelection,
        };
        fsaSelection.AcceptOnlyFromAmong("global", "per-layer");
        var fsaStep = new Option<string>("--fsa-step") { Description = "fsa: one annealing step per 'iteration' (smooth) or per 'epoch'", DefaultValueFactory = _ => Defaults.FsaStep };
        fsaStep.AcceptOnlyFromAmong("epoch", "iteration");
        var slim = new Option<double>("--slim-strength") { Description = "slim: L1 strength on BatchNorm γ (1e-5 ResNets, 1e-4 VGG)", DefaultValueFactory = _ => Defaults.SlimStrength };
        var gregDelta = new Option<double>("--greg-delta")
        {
            Description = "greg1/greg2: growth δλ of the penalty every 10 iterations (the authors' 1e-4 needs 100k iterations to reach λ = 1; a short pruning phase cuts earlier)",
            DefaultValueFactory = _ => Defaults.GregDelta,
        };
        var gregCoupled = new Option<bool>("--greg-coupled") { Description = "greg1/greg2: also prune residual-coupled channels (the authors prune only a block's inner convs)" };
        var trainImages = new Option<int?>("--train-images") { Description = "shapes10 only: number of training images (default 20000)" };
        var testImages = new Option<int?>("--test-images") { Description = "shapes10 only: number of test images (default 4000)" };
        var swdAMax = new Option<double>("--swd-a-max")
        {
            Description = "swd: where the extra decay's multiplier a(t) ends, growing exponentially from 0.1 (the authors' 1e5)", DefaultValueFactory = _ => Defaults.SwdAMax,
        };
        var swdMask = new Option<string>("--swd-mask")
        {
            Description = "swd: which channels the mask would remove: 'threshold' (the authors' one global |γ| threshold that meets the budgets), " +
                          "'allocated' (OUR extension: the latency-aware allocator's widths by |γ|, scores compared within each group, as the one-shot baselines allocate) or " +
                          "'l1-cut' (OUR extension: the l1 baseline's cut — the allocator's widths by filter L1 norm — chosen once before the phase and held, so the decay " +
                          "retires gradually what l1 cuts at once)",
            DefaultValueFactory = _ => Defaults.SwdMask,
        };
        swdMask.AcceptOnlyFromAmong("threshold", "allocated", "l1-cut");
        var swdRamp = new Option<double>("--swd-ramp")
        {
            Description = "swd: the share of the pruning phase over which a(t) grows to a_max, then held (the authors: 1, all of training; OUR option for short phases, " +
                          "whose cosine learning rate is near zero when a(t) peaks)",
            DefaultValueFactory = _ => Defaults.SwdRamp,
        };
        var hfpLambda = new Option<double>("--hfp-lambda")
        {
            Description = "hfp: weight λ of each budget's penalty λ·max(0, C(n)/C₀ − q) (our reconstruction of HFP; see the README)", DefaultValueFactory = _ => Defaults.HfpLambda,
        };
        var hfpShiftDecay = new Option<double>("--hfp-shift-decay")
        {
            Description = "hfp: after every step the BatchNorm shift β of each channel below the cut's threshold shrinks by this factor, so the cut removes channels " +
                          "that output ≈ 0 rather than their constant act(β) (our extension; 0 turns it off)",
            DefaultValueFactory = _ => Defaults.HfpShiftDecay,
        };
        var noRefill = new Option<bool>("--no-refill")
        {
            Description = "hfp, ltp (structured): keep the cut as the method learned it; by default it is widened with what the budgets still leave — " +
                          "wider widths on the latency staircase that run no slower, then the removed channels with the largest scales per unit of cost (OUR extension)",
        };
        var noShareOfKept = new Option<bool>("--no-share-of-kept")
        {
            Description = "hfp, ltp (structured): push every group by its cost alone (the penalty's exact gradient); by default each group's push is scaled by the share " +
                          "of its channels it still keeps, so narrow groups such as a ResNet's residual streams are not emptied first (OUR extension)",
        };
        var sparsity = new Option<string>("--sparsity")
        {
            Description = "'structured' removes channels and compacts the graph (smaller and faster); 'unstructured' masks single conv and linear weights " +
                          $"(methods: {string.Join(", ", PruningMethods.UnstructuredNames)}; l1 is then one-shot magnitude pruning): the graph keeps its shape, so the file may compress " +
                          "but the deployed latency is the dense latency — macs= and latency= budgets are refused with it",
            DefaultValueFactory = _ => Defaults.Sparsity,
        };
        sparsity.AcceptOnlyFromAmong([.. SparsityNames.Names]);
        var ltpLambda = new Option<double>("--ltp-lambda")
        {
            Description = "ltp: weight λ of the L0 term λ·Σ_l Σ σ((w² − τ_l)/T_l) (OUR default; the paper gives none)", DefaultValueFactory = _ => Defaults.LtpLambda,
        };
        var ltpT0 = new Option<double>("--ltp-t0") { Description = "ltp: T₀ of the per-layer temperature T_l = T₀·Var(|w|) (OUR default)", DefaultValueFactory = _ => Defaults.LtpTemperature };
        var ltpTauLr = new Option<double>("--ltp-tau-lr")
        {
            Description = "ltp: the thresholds' own learning rate (plain SGD, no weight decay; OUR default, on the scale of w² as third-party code)", DefaultValueFactory = _ => Defaults.LtpThresholdLearningRate,
        };
        var ltpTauInit = new Option<double>("--ltp-tau-init") { Description = "ltp: the thresholds' initial value (OUR default 0: the hard mask starts dense)", DefaultValueFactory = _ => Defaults.LtpThresholdInit };
        var resume = new Option<bool>("--resume")
        {
            Description = "Continue an interrupted run of the same command from its checkpoint (NAME.checkpoint.safetensors beside --out, written after every epoch and removed when the run ends)",
        };
        var foldBn = CommandOptions.FoldBatchNorm();
        var noVerify = CommandOptions.NoVerify();
        var inputShape = CommandOptions.InputShape();
        var json = CommandOptions.Json();
        var command = new Command("prune", "Prune a model under budgets with a published method (or the uniform baseline), compact, fine-tune, write it and compare it with the dense model")
        {
            model, method, budget, ratio, roundTo, output, data, epochs, fineTuneEpochs, lr, fineTuneLr, batchSize, batch, profile, recalibrate, measureSeconds, allocateBy, seed, mu, fsaSelection, fsaStep, slim,
            gregDelta, gregCoupled, swdAMax, swdMask, swdRamp, hfpLambda, hfpShiftDecay, noRefill, noShareOfKept, sparsity, ltpLambda, ltpT0, ltpTauLr, ltpTauInit, trainImages, testImages, foldBn, noVerify, inputShape, resume, json,
        };
        command.SetAction((parse, cancellation) => Task.FromResult(CliErrors.Guard(uiFactory.Create(parse.GetValue(json)), cancellation,
            () => File.Exists(PruneJob.CheckpointPath(parse.GetValue(output)!))
                ? $"the checkpoint of the last finished epoch ({PruneJob.CheckpointPath(parse.GetValue(output)!)}) is intact: run the same command with --resume to continue"
                : "no epoch had finished, so there is no checkpoint to resume: run the command again", ui => Prune(ui, new PruneRequest
        {
            Model = parse.GetValue(model)!, Method = parse.GetValue(method)!, Budgets = parse.GetValue(budget) ?? [], Ratio = parse.GetValue(ratio), RoundTo = parse.GetValue(roundTo),
            Output = parse.GetValue(output)!, Data = parse.GetValue(data) is { Length: > 0 } d ? d : null, Epochs = parse.GetValue(epochs), FineTuneEpochs = parse.GetValue(fineTuneEpochs),
            LearningRate = parse.GetValue(lr), FineTuneLearningRate = parse.GetValue(fineTuneLr), BatchSize = parse.GetValue(batchSize), Batch = parse.GetValue(batch),
            Profile = parse.GetValue(profile), Recalibrate = parse.GetValue(recalibrate), MeasureSeconds = parse.GetValue(measureSeconds), AllocateBy = parse.GetValue(allocateBy)!, Seed = parse.GetValue(seed), Mu = parse.GetValue(mu),
            FsaSelection = parse.GetValue(fsaSelection)!, FsaStep = parse.GetValue(fsaStep)!, SlimStrength = parse.GetValue(slim), GregDelta = parse.GetValue(gregDelta),
            GregCoupled = parse.GetValue(gregCoupled), SwdAMax = parse.GetValue(swdAMax), SwdMask = parse.GetValue(swdMask)!, SwdRamp = parse.GetValue(swdRamp), HfpLambda = parse.GetValue(hfpLambda), HfpShiftDecay = parse.GetValue(hfpShiftDecay), RefillCut = !parse.GetValue(noRefill), ShareOfKept = !parse.GetValue(noShareOfKept), TrainImages = parse.GetValue(trainImages), TestImages = parse.GetValue(testImages), FoldBatchNorm = parse.GetValue(foldBn), Verify = !parse.GetValue(noVerify),
            InputShape = CommandOptions.ParseShape(parse.GetValue(inputShape)), Resume = parse.GetValue(resume), Sparsity = parse.GetValue(sparsity)!,
            LtpLambda = parse.GetValue(ltpLambda), LtpTemperature = parse.GetValue(ltpT0), LtpThresholdLearningRate = parse.GetValue(ltpTauLr), LtpThresholdInit = parse.GetValue(ltpTauInit),
        }, cancellation))));
        return command;
    }

    private static int Prune(IConsoleUi ui, PruneRequest request, CancellationToken cancellation)
    {
        var result = PruneJob.Run(request, new ConsolePruneObserver(ui), cancellation);
        Report(ui, result);
        return ExitCodes.Success;
    }

    private static void Report(IConsoleUi ui, PruneResult result)
    {
        static string Ms(double? ms) => ms is { } v ? v.ToString("F3", CultureInfo.InvariantCulture) + " ms" : "–";
        static string Pct(double? v) => v is { } x ? x.ToString("P2", CultureInfo.InvariantCulture) : "–";
        static string Ratio(double? before, double? after) => before is { } b && after is { } a && a > 0 ? $"{b / a:F2}×" : "–";

        var (dense, pruned) = (result.Dense, result.Pruned);
        var sparse = result.Unstructured;
        // Unstructured: same shape, same kernels — a measured difference is noise, never a speed-up to claim.
        string Faster(double? before, double? after) => sparse is null ? Ratio(before, after) + " faster" : "dense latency (no speed-up)";
        var rows = new List<IReadOnlyList<string>>
        {
            new[] { "top-1", Pct(dense.Accuracy?.Top1), Pct(pruned.Accuracy?.Top1), dense.Accuracy is null ? "–" : $"{(pruned.Accuracy!.Top1 - dense.Accuracy.Top1) * 100:+0.00;-0.00} pt" },
            new[] { "top-5", Pct(dense.Accuracy?.Top5), Pct(pruned.Accuracy?.Top5), dense.Accuracy is null ? "–" : $"{(pruned.Accuracy!.Top5 - dense.Accuracy.Top5) * 100:+0.00;-0.00} pt" },
            new[] { "top-1 after the cut, before fine-tuning", "–", Pct(result.CutTop1), dense.Accuracy is null || result.CutTop1 is null ? "–" : $"{(result.CutTop1.Value - dense.Accuracy.Top1) * 100:+0.00;-0.00} pt" },
            new[] { "parameters", dense.Parameters.ToString("N0"), pruned.Parameters.ToString("N0"), Ratio(dense.Parameters, pruned.Parameters) + " fewer" },
            new[] { "MACs", dense.Macs.ToString("N0"), pruned.Macs.ToString("N0"), Ratio(dense.Macs, pruned.Macs) + " fewer" },
            new[] { "latency, predicted", Ms(dense.PredictedMs), Ms(pruned.PredictedMs), Faster(dense.PredictedMs, pruned.PredictedMs) },
        };
        if (sparse is not null)
        {
            rows.Add(["conv+linear weights kept (non-zero)", sparse.WeightsTotal.ToString("N0"), sparse.WeightsKept.ToString("N0"), sparse.KeptFraction.ToString("P2", CultureInfo.InvariantCulture) + " kept"]);
            rows.Add(["file size, as written (.onnx: sparse initializers below 1/3 non-zero)", sparse.DenseOnnxBytes is { } d ? $"{d:N0} B" : "–", $"{sparse.FileBytes:N0} B",
                sparse.DenseOnnxBytes is { } db ? $"{(double)db / sparse.FileBytes:F2}× smaller" : ""]);
            rows.Add(["file size, gzip-compressed (for storage)", "–", $"{sparse.GzipBytes:N0} B", $"{(double)sparse.FileBytes / sparse.GzipBytes:F2}× smaller than as written"]);
        }

        // The job measures dense and pruned together, taking turns, or neither.
        if (dense.Measured is { } denseMs && pruned.Measured is { } prunedMs)
        {
            rows.Add(["latency p50, ONNX Runtime", Ms(denseMs.Percentile(50)), Ms(prunedMs.Percentile(50)), Faster(denseMs.Percentile(50), prunedMs.Percentile(50))]);
            rows.Add(["latency p90, ONNX Runtime", Ms(denseMs.Percentile(90)), Ms(prunedMs.Percentile(90)), Faster(denseMs.Percentile(90), prunedMs.Percentile(90))]);
        }

        ui.Table($"{result.Model}: dense vs pruned by {result.Method} (ONNX Runtime CPU, batch {result.Batch})", ["", "dense", "pruned", "change"], rows);

        // Every budget by the hard count or the prediction; for latency also by the measurement, scaled to the dense model's.
        var verdicts = result.Budgets.Select(b =>
        {
            var row = new List<string> { b.Spec.ToString(), Budget.Format(b.Limit, b.Unit), Budget.Format(b.Value, b.Unit), Verdict(b.Value, b.Limit) };
            if (b.Spec.Cost == "latency" && dense.Measured is { } denseMs && pruned.Measured is { } prunedMs && b.Spec.IsFraction)
            {
                var share = prunedMs.Percentile(50) / denseMs.Percentile(50);
                row.Add($"measured p50 {share:P1} of dense: {Verdict(share, b.Spec.Value)}");
            }
            else
            {
                row.Add("");
            }

            return (IReadOnlyList<string>)row;
        }).ToList();
        if (verdicts.Count > 0) ui.Table("budgets", ["budget", "limit", "pruned", "by count / prediction", "by measurement"], verdicts);

        var widths = result.Groups.Where(g => g.Prunable).Select(g => (g.Name, Before: g.Channels, After: result.Widths[g.Id])).ToList();
        // Unstructured runs keep every width: nothing to show.
        if (sparse is null) ui.Table("widths of the prunable channel groups", ["group", "before", "after", ""],
            widths.Select(w => (IReadOnlyList<string>)[w.Name, w.Before.ToString(), w.After.ToString(), new string('█', Math.Max(1, (int)Math.Round(24.0 * w.After / widths.Max(x => x.Before))))]));
        if (sparse is not null) ui.Info(UnstructuredSummary.LatencyNote);
        ui.Info((result.Compaction is { } compaction ? $"compacted = masked: max |Δ| {compaction.MaxAbsDifference:G3}; " : "not compacted (unstructured: the graph keeps its shape); ") +
                (result.Onnx is null ? $"graph file written to {result.Output}" : $"ONNX written to {result.Output} (ONNX Runtime parity: {ExportCommand.Describe(result.Onnx)})") +
                $"; trail: {result.TrailPath}");
        foreach (var fold in (result.Compaction?.Report.Folds ?? []).Where(f => f.Kind != FoldKind.Exact)) ui.Info($"note: {fold.Node}: {fold.Kind} — {fold.Detail}");

        ui.Json(new
        {
            type = "prune",
            model = result.Model,
            method = result.Method,
            path = result.Output,
            trail = result.TrailPath,
            dense = new { top1 = dense.Accuracy?.Top1, top5 = dense.Accuracy?.Top5, parameters = dense.Parameters, macs = dense.Macs, predictedMs = dense.PredictedMs,
                measuredP50Ms = dense.Measured?.Percentile(50), measuredP90Ms = dense.Measured?.Percentile(90) },
            pruned = new { top1 = pruned.Accuracy?.Top1, top5 = pruned.Accuracy?.Top5, cutTop1 = result.CutTop1, parameters = pruned.Parameters, macs = pruned.Macs, predictedMs = pruned.PredictedMs,
                measuredP50Ms = pruned.Measured?.Percentile(50), measuredP90Ms = pruned.Measured?.Percentile(90) },
            budgets = result.Budgets.Select(b => new { budget = b.Spec.ToString(), limit = b.Limit, unit = b.Unit, value = b.Value, met = b.Met }),
            compactedVsMaskedMaxAbsDiff = result.Compaction?.MaxAbsDifference,
            unstructured = sparse is null ? null : new
            {
                weightsKept = sparse.WeightsKept, weightsTotal = sparse.WeightsTotal, keptFraction = sparse.KeptFraction, fileBytes = sparse.FileBytes, gzipBytes = sparse.GzipBytes,
                denseOnnxBytes = sparse.DenseOnnxBytes,
                latency = "dense (no speed-up: dense kernels multiply the zeros)",
            },
            parityMaxAbsDiff = result.Onnx?.ParityMaxAbsDiff,
            groups = result.Groups.Select(g => new { g.Id, g.Name, g.Channels, kept = result.Widths[g.Id], g.Prunable, g.Reason }),
            notes = result.Notes ?? [],
        });
    }

    private static string Verdict(double value, double limit) =>
        value <= limit * (1 + 1e-9) ? "met" : $"missed by {(value / limit - 1) * 100:F1} %";
}
