using System.Globalization;
using Toolchain.Graph;
using Toolchain.Methods;
using Toolchain.Onnx;
using Toolchain.Profiling;
using Toolchain.Pruning;
using Toolchain.Runtime;
using Toolchain.Training;

namespace Toolchain.Pipeline;

/// <summary>
/// Prunes a model under budgets with a method (or <see cref="PruneRequest.Ratio"/>, the uniform one-shot baseline)
/// through the one prune path of <see cref="PruningRun"/> (budgets met, compaction verified, fine-tuning), writes it
/// as ONNX (checked in ONNX Runtime) or a graph file with the trail beside it, checkpoints every epoch so an
/// interrupted run resumes, and compares dense and pruned: accuracy, params, MACs, predicted latency and latency
/// measured on ONNX Runtime at the deployment batch (the two taking turns).
/// </summary>
public static class PruneJob
{
    /// <summary>The deployed engine: the one the latency profile describes and dense and pruned are measured on.</summary>
    public static string Engine => Engines.OrtCpu.Name;

    /// <summary>
    /// Runs the job. It owns every native object it makes (models, engines, the checkpoint) and disposes them before
    /// it returns, so the result is plain data (see <see cref="PruneResult"/>). Bad requests throw before any work
    /// starts and write nothing; errors name the command-line options the request's properties stand for.
    /// </summary>
    public static PruneResult Run(PruneRequest request, IPruneObserver observer, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(observer);
        var r = request;
        Validate(r);
        var sparsity = SparsityNames.Parse(r.Sparsity);
        var specs = r.Budgets.Select(BudgetSpec.Parse).ToList();
        // Before anything is opened or written: a MACs or latency budget means nothing to masked weights.
        if (sparsity == Sparsity.Unstructured) WeightBudget.ThrowIfRefused(specs);
        var method = CreateMethod(r, sparsity);
        var epochs = r.Epochs ?? (method is OneShotMethod or UniformMethod ? 0 : 5);

        var data = r.Data is null ? null : DataSource.Open(r.Data, r.Seed, r.TrainImages, r.TestImages);
        if (data is null && (epochs > 0 || r.FineTuneEpochs > 0)) throw new ArgumentException($"'{method.Name}' with {epochs} pruning and {r.FineTuneEpochs} fine-tuning epochs trains: give --data (e.g. fashion-mnist)");
        ModelGraph Open() => ModelResolver.Open(r.Model, data?.NumClasses, (ulong)r.Seed, r.InputShape ?? data?.InputShape, zooInput: data?.InputShape);
        using var model = Open();
        model.Training = false;
        var checkpointPath = CheckpointPath(r.Output);
        var fingerprint = Fingerprint(r, method.Name, epochs);
        if (!r.Resume && File.Exists(checkpointPath)) observer.Info($"note: starting anew; the interrupted run's checkpoint {checkpointPath} will be replaced (--resume continues it)");
        using var checkpoint = r.Resume ? PruningCheckpoint.Load(checkpointPath, fingerprint) : new PruningCheckpoint(checkpointPath, fingerprint);
        // The graph the run trains: the model, or the interrupted run's (full size while pruning, compacted while fine-tuning).
        // Groups, budgets and costs count widths of the full-size structure.
        var graph = checkpoint.Graph ?? model;
        var groups = ChannelGroups.Discover(checkpoint.Resumed?.Phase == PruningPhase.Prune ? graph : model);
        var costs = new Dictionary<string, ICostModel> { ["params"] = new ParameterCost(groups), ["macs"] = new MacCost(groups) };
        var latencyBudget = specs.Any(s => s.Cost == "latency");
        var calibrationPath = CalibrationPath(r.Output);
        if (checkpoint.Resumed is null && File.Exists(calibrationPath)) File.Delete(calibrationPath); // a run from the start measures anew
        var latency = LatencyProfiles.CostModel(Engine, r.Batch, r.Profile, groups, needed: latencyBudget, Open, observer, cancellation,
            recalibration: r.Recalibrate && latencyBudget ? calibrationPath : null, device: r.Device);
        if (latency is not null) costs["latency"] = latency;
        // Unstructured: the budget counts conv and linear weights (a count above them, met by the dense model, is refused
        // here); widths stay full, so the channel budgets are unconstrained.
        var weightBudget = sparsity == Sparsity.Unstructured ? WeightBudget.Resolve(graph, specs) : null;
        var budgets = specs.Count > 0 && weightBudget is null ? BudgetSet.Resolve(groups, specs, costs.GetValueOrDefault, r.RoundTo) : BudgetSet.Unconstrained(groups, r.RoundTo);
        budgets.ThrowIfAlreadyMetByDense(); // before the dense evaluation and deployment: no work, nothing written

        var full = groups.FullWidths();
        var dense = new ModelSnapshot(data is null ? null : Evaluator.Evaluate(model, data.Test, data.Normalization, cancellation: cancellation), model.ParameterCount, model.Macs, latency?.Total(full));
        using var denseEngine = r.MeasureSeconds > 0 ? new OrtCpuEngine(Environment.ProcessorCount).Deploy(model) : null;
        if (checkpoint.Resumed is { } resumed)
        {
            var last = resumed.Trail.LastOrDefault();
            observer.Info($"Resuming from {checkpointPath}: {(resumed.Phase == PruningPhase.Prune ? "pruning" : "fine-tuning")} phase" +
                          (last is null ? ", before its first epoch" : $", after {last.Phase} epoch {last.Epoch}"));
        }

        var trailPath = TrailPath(r.Output);
        var trail = new Trail(graph.Name, method.Name, groups.Groups.Select(g => g.Name).ToList(), specs.Select(s => s.ToString()).ToList(), trailPath);
        var training = new TrainingOptions { Epochs = Math.Max(1, epochs), BatchSize = r.BatchSize, LearningRate = r.LearningRate, WarmupEpochs = 0, Seed = r.Seed };
        observer.Info($"Pruning {graph.Name} with {method.Name}: {(weightBudget is null ? method.Description : ((IUnstructuredPruningMethod)method).UnstructuredDescription)}");
        var budgetText = weightBudget is { } w ? $"{w.Spec} = {w.Keep:N0} of {w.Total:N0} conv and linear weights kept (unstructured; biases and BatchNorm not counted)"
            : budgets.Budgets.Count == 0 ? "none (uniform ratio)"
            : string.Join("; ", budgets.Budgets.Select(b => $"{b.Spec} = {Budget.Format(b.Limit, b.Cost.Unit)} (dense {Budget.Format(b.Dense, b.Cost.Unit)})"));
        observer.Info($"Budgets: {budgetText}; {epochs} pruning epochs, {r.FineTuneEpochs} fine-tuning epochs; trail: {trailPath}");

        var notes = new List<string>();
        var outcome = observer.WithProgress($"{method.Name}", bar =>
        {
            var context = new PruningContext
            {
                Graph = graph, ModelName = graph.Name, Groups = groups, Data = data, Budgets = budgets, Costs = costs, Epochs = epochs, Training = training,
                Trail = trail, Seed = r.Seed, Allocation = AllocationFor(r, costs), Cancellation = cancellation, Checkpoint = checkpoint, WeightBudget = weightBudget,
                OnNote = note =>
                {
                    notes.Add(note);
                    observer.Info(note);
                },
                OnTrainer = trainer => trainer.Progress = new SyncProgress<BatchProgress>(p => bar.Update(
                    $"{method.Name} epoch {p.Epoch}/{trainer.Options.Epochs}  loss {p.Loss:F3}  {p.ImagesPerSecond:F0} img/s", p.Batch, p.BatchesPerEpoch)),
                OnEntry = entry => observer.Entry(entry, budgets),
            };
            return PruningRun.Run(context, method, training with { Epochs = r.FineTuneEpochs, LearningRate = r.FineTuneLearningRate, WarmupEpochs = 0 });
        });

        graph.Training = false;
        OnnxOutputResult? onnx = null;
        if (EngineFactory.IsOnnxFile(r.Output)) onnx = OnnxOutput.Write(graph, r.Output, new OnnxExportOptions { FoldBatchNorm = r.FoldBatchNorm, SparseWeights = weightBudget is not null }, r.Verify);
        else GraphFile.Save(graph, r.Output);
        if (r.ReferenceGraph is { } reference && onnx is not null) GraphFile.Save(graph, reference);

        // The checkpoint stays until the job ends: interrupted while evaluating or measuring, --resume writes the same
        // output again from the finished fine-tuning and completes the comparison.
        var pruned = new ModelSnapshot(data is null ? null : Evaluator.Evaluate(graph, data.Test, data.Normalization, cancellation: cancellation), graph.ParameterCount, graph.Macs, latency?.Total(outcome.Widths));
        if (denseEngine is not null)
        {
            using var prunedEngine = new OrtCpuEngine(Environment.ProcessorCount).Deploy(graph);
            long[] shape = [r.Batch, .. graph.InputShape.Skip(1)];
            var input = HostTensor.RandomUniform(shape);
            var measured = observer.WithProgress("measuring dense and pruned on ONNX Runtime", bar => ModelLatency.MeasureRuns([denseEngine, prunedEngine], [input, input],
                new ModelMeasurement { MinSeconds = r.MeasureSeconds }, new SyncProgress<double>(f => bar.Update("measuring dense and pruned on ONNX Runtime", f, 1)), cancellation));
            dense = dense with { Measured = measured[0] };
            pruned = pruned with { Measured = measured[1] };
        }

        // Budgets are judged here, while their cost models' graph is alive; the result keeps only the numbers.
        var checks = budgets.Budgets.Select(b => new BudgetCheck(b.Spec, b.Cost.Unit, b.Limit, b.Cost.Total(outcome.Widths), b.IsMet(outcome.Widths))).ToList();
        UnstructuredSummary? unstructured = null;
        if (weightBudget is not null)
        {
            // Counted on the written graph, not taken from the method: what the file holds.
            var kept = WeightMasks.NonZero(graph).Kept;
            checks.Add(new BudgetCheck(weightBudget.Spec, "weights", weightBudget.Keep, kept, kept <= weightBudget.Keep));
            var denseBytes = onnx is null ? (long?)null : OnnxExporter.Export(graph, new OnnxExportOptions { FoldBatchNorm = r.FoldBatchNorm }).Length;
            unstructured = UnstructuredSummary.Measure(r.Output, kept, weightBudget.Total, denseBytes);
        }

        checkpoint.Delete(); // the output is written and compared: nothing left to resume
        if (File.Exists(calibrationPath)) File.Delete(calibrationPath);

        return new PruneResult(graph.Name, method.Name, checks, groups.Groups, outcome.Widths, outcome.Compaction, trailPath, dense, pruned, onnx, r.Output, r.Batch,
            outcome.Trail.Entries.LastOrDefault(e => e.Phase == "cut")?.TestTop1, unstructured, notes);
    }

    /// <summary>Where a run with <paramref name="output"/> checkpoints: NAME.checkpoint.safetensors beside it.</summary>
    public static string CheckpointPath(string output) => SiblingPath(output, ".checkpoint.safetensors");

    /// <summary>Where <c>--recalibrate</c> keeps the latency calibration it measured until the job ends, for <c>--resume</c>.</summary>
    public static string CalibrationPath(string output) => SiblingPath(output, ".calibration.json");

    /// <summary>Where a run with <paramref name="output"/> writes its trail: NAME.trail.json beside it.</summary>
    public static string TrailPath(string output) => SiblingPath(output, ".trail.json");

    private static string SiblingPath(string output, string suffix)
    {
        var directory = Path.GetDirectoryName(output);
        var name = Path.GetFileNameWithoutExtension(output) + suffix;
        return string.IsNullOrEmpty(directory) ? name : Path.Combine(directory, name);
    }

    /// <summary>Refuses settings that cannot make a run, before anything is opened or written.</summary>
    private static void Validate(PruneRequest r)
    {
        if (!EngineFactory.IsOnnxFile(r.Output) && !r.Output.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)) throw new ArgumentException($"--out '{r.Output}' must end in .onnx or .safetensors");
        if (r.Ratio is not null && r.Budgets.Count > 0) throw new ArgumentException("give either --budget (a method under budgets) or --ratio (the uniform baseline), not both");
        var unstructured = SparsityNames.Parse(r.Sparsity) == Sparsity.Unstructured;
        if (unstructured && r.Ratio is not null) throw new ArgumentException("--ratio is the uniform channel baseline; with --sparsity unstructured give --budget params=P% (or params=N): the conv and linear weights kept");
        if (r.Ratio is null && r.Budgets.Count == 0) throw new ArgumentException("say how small: --budget latency=50% (or macs=…, params=…; repeatable), or --ratio 0.5 for the uniform baseline");
        if (r.FineTuneEpochs < 0 || r.Epochs < 0) throw new ArgumentException("--epochs and --finetune-epochs cannot be negative");
        if (r.Batch < 1) throw new ArgumentException($"--batch must be at least 1 (got {r.Batch})");
        if (!(r.MeasureSeconds >= 0)) throw new ArgumentException($"--measure-seconds cannot be negative (got {r.MeasureSeconds})");
    }

    /// <summary>With a ratio the uniform baseline scored by the criterion <see cref="PruneRequest.Method"/>; else the method under budgets.</summary>
    private static IPruningMethod CreateMethod(PruneRequest r, Sparsity sparsity) => r.Ratio is { } ratio
        ? new UniformMethod(Importance.Create(r.Method, r.Seed), ratio, r.RoundTo)
        : PruningMethods.Create(r.Method, new MethodSettings
        {
            Fsa = new FsaSettings(r.Mu, FsaSettings.ParseSelection(r.FsaSelection), FsaSettings.ParseStep(r.FsaStep)), SlimmingStrength = r.SlimStrength, GregCoupledGroups = r.GregCoupled, Greg = new GregSettings { Delta = r.GregDelta }, Swd = new SwdSettings(AMax: r.SwdAMax, Mask: SwdSettings.ParseMask(r.SwdMask), Ramp: r.SwdRamp), Hfp = new HfpSettings(Lambda: r.HfpLambda, ShiftDecay: r.HfpShiftDecay, RefillCut: r.RefillCut, ShareOfKept: r.ShareOfKept),
            Ltp = new LtpSettings(r.LtpLambda, r.LtpTemperature, r.LtpThresholdLearningRate, r.LtpThresholdInit, RefillCut: r.RefillCut, ShareOfKept: r.ShareOfKept), Sparsity = sparsity, Seed = r.Seed,
        });

    /// <summary>
    /// The allocator's settings: by default steps are ranked by the budgets' own costs (with a latency budget, by the
    /// profile's latency, the staircase pass included); <c>--allocate-by macs|params</c> ranks them by that count and
    /// skips the staircase pass, as a width allocation that knows nothing of the device would.
    /// </summary>
    private static AllocationOptions AllocationFor(PruneRequest r, IReadOnlyDictionary<string, ICostModel> costs) => r.AllocateBy == "budget"
        ? new AllocationOptions(r.RoundTo)
        : new AllocationOptions(r.RoundTo, StaircaseWindow: 0, Guide: costs[r.AllocateBy]);

    /// <summary>The run's settings that shape its result, as text: a resume must be of the same run.</summary>
    private static string Fingerprint(PruneRequest r, string method, int epochs) => string.Join(" ", new[]
    {
        $"model {r.Model}", $"data {r.Data ?? "-"}", $"method {method}", $"budgets [{string.Join(", ", r.Budgets)}]", $"ratio {r.Ratio?.ToString(CultureInfo.InvariantCulture) ?? "-"}",
        $"epochs {epochs}+{r.FineTuneEpochs}", FormattableString.Invariant($"lr {r.LearningRate}/{r.FineTuneLearningRate}"), $"batch-size {r.BatchSize}", $"batch {r.Batch}",
        $"seed {r.Seed}", $"round-to {r.RoundTo}", $"allocate-by {r.AllocateBy}", $"profile {r.Profile ?? "-"}",
        FormattableString.Invariant($"fsa {r.Mu}/{r.FsaSelection}/{r.FsaStep}"), FormattableString.Invariant($"slim {r.SlimStrength}"),
        FormattableString.Invariant($"greg {r.GregDelta}/{r.GregCoupled}"), FormattableString.Invariant($"swd {r.SwdAMax}/{r.SwdMask}/{r.SwdRamp}"), FormattableString.Invariant($"hfp {r.HfpLambda}"), $"sparsity {r.Sparsity}",
        FormattableString.Invariant($"ltp {r.LtpLambda}/{r.LtpTemperature}/{r.LtpThresholdLearningRate}/{r.LtpThresholdInit}"), $"input {(r.InputShape is null ? "-" : string.Join("x", r.InputShape))}", $"train-images {r.TrainImages?.ToString(CultureInfo.InvariantCulture) ?? "-"}",
    }) + (r.TestImages is { } test ? $" test-images {test.ToString(CultureInfo.InvariantCulture)}" : "") // only when set: older checkpoints stay resumable
       + (r.HfpShiftDecay != new HfpSettings().ShiftDecay ? FormattableString.Invariant($" hfp-shift-decay {r.HfpShiftDecay}") : "")
       + (r.RefillCut ? "" : " no-refill") + (r.ShareOfKept ? "" : " no-share-of-kept")
       + (r.Recalibrate ? " recalibrate" : "")
       + (r.Device is { } device ? $" device {device.Address}" : "");
}
