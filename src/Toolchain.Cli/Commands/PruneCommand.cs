using System.CommandLine;
using System.Globalization;
using Toolchain.Cli.Ui;
using Toolchain.Graph;
using Toolchain.Graph.Serialization;
using Toolchain.Methods;
using Toolchain.Onnx;
using Toolchain.Profiling;
using Toolchain.Pruning;
using Toolchain.Runtime;
using Toolchain.Training;

namespace Toolchain.Cli.Commands;

/// <summary>
/// <c>toolchain prune MODEL --method fsa --budget latency=50% --data fashion-mnist --epochs 6 --finetune-epochs 4 --out small.onnx</c>:
/// a pruning method under budgets (or <c>--ratio</c>, the uniform one-shot baseline), run through the one prune path
/// of <see cref="PruningRun"/> (budgets met, compaction verified, fine-tuning), written as ONNX (checked in ONNX
/// Runtime) or a graph file, with the trail beside it; then dense and pruned are compared: accuracy, params, MACs,
/// predicted latency and latency measured on ONNX Runtime (at the deployment batch, --batch, the two taking turns).
/// </summary>
public sealed class PruneCommand(UiFactory uiFactory) : ICliCommand
{
    private const string Engine = "ort-cpu";

    /// <summary>Where <c>--profile auto</c> keeps this machine's profile for a deployment batch size.</summary>
    private static string AutoProfile(int batch) => Path.Combine("runs", "profiles", $"{Engine}-b{batch}-auto.json");

    private sealed record Request(string Model, string Method, IReadOnlyList<string> Budgets, double? Ratio, int RoundTo, string Output,
        string? Data, int? Epochs, int FineTuneEpochs, double LearningRate, double FineTuneLearningRate, int BatchSize, int Batch, string? Profile,
        double MeasureSeconds, string AllocateBy, int Seed, double Mu, string FsaSelection, string FsaStep, double SlimStrength, double GregDelta, bool GregCoupled, bool FoldBatchNorm, bool Verify, long[]? InputShape, bool Resume);

    public Command Build()
    {
        var model = new Argument<string>("model") { Description = "Zoo name, graph file, checkpoint or .onnx file" };
        var method = new Option<string>("--method")
        {
            Description = $"With --budget, the pruning method: {string.Join(", ", PruningMethods.Names)} (see 'Methods' in the README; budgets and latency-aware widths are our extension of each). " +
                          $"With --ratio, the channel criterion: {string.Join(", ", Importance.Names)}",
            DefaultValueFactory = _ => "l1",
        };
        var budget = new Option<string[]>("--budget", "-b")
        {
            Description = "A budget all of which must hold: latency=50% (of the dense model's predicted latency), latency=0.45ms, macs=40%, macs=20M, params=50%, params=120k; repeatable",
            AllowMultipleArgumentsPerToken = false,
        };
        var ratio = new Option<double?>("--ratio") { Description = "Shorthand without a budget: remove this fraction of every prunable group (uniform baseline), in (0, 1)" };
        var roundTo = new Option<int>("--round-to") { Description = "Keep widths that are multiples of this (SIMD-friendly)", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out", "-o") { Description = "Where to write: .onnx (deployable) or .safetensors (graph file, trainable); the trail goes beside it as NAME.trail.json", Required = true };
        var data = CommandOptions.Data(defaultValue: "");
        data.Description = "Data to train, fine-tune and evaluate on (needed by training methods and fine-tuning): " + data.Description;
        var epochs = new Option<int?>("--epochs") { Description = "Epochs of the pruning phase (default: 0 for l1/random, 5 for the training methods)" };
        var fineTuneEpochs = new Option<int>("--finetune-epochs") { Description = "Epochs of fine-tuning the compacted model (its own SGD and cosine schedule)", DefaultValueFactory = _ => 0 };
        var lr = new Option<double>("--lr") { Description = "Learning rate of the pruning phase (GReg uses the authors' constant 1e-3)", DefaultValueFactory = _ => 0.01 };
        var fineTuneLr = new Option<double>("--finetune-lr") { Description = "Learning rate of fine-tuning (the authors of GReg start at 1e-2)", DefaultValueFactory = _ => 0.01 };
        var batchSize = new Option<int>("--batch-size") { Description = "Training batch size", DefaultValueFactory = _ => 128 };
        var batch = new Option<int>("--batch")
        {
            Description = "Deployment batch size: the batch the latency profile describes and the deployed engine is measured at (training uses --batch-size)",
            DefaultValueFactory = _ => 1,
        };
        var profile = new Option<string?>("--profile", "-p")
        {
            Description = "Latency profile for latency budgets and predictions (default: the one in profiles/ for ort-cpu at the --batch); " +
                          $"'auto' measures this machine's tables for the model first (kept in {AutoProfile(1)} for batch 1, and so on, extended run by run)",
        };
        var measureSeconds = new Option<double>("--measure-seconds") { Description = "Measure dense and pruned on ONNX Runtime for this long, taking turns (0: skip)", DefaultValueFactory = _ => 6 };
        var allocateBy = new Option<string>("--allocate-by")
        {
            Description = "Rank width reductions by what they save of: 'budget' (the budgets' own costs, latency-aware with a latency budget; the default) " +
                          "or 'macs' / 'params' (the budgets still decide when to stop) — to see what latency-aware allocation buys",
            DefaultValueFactory = _ => "budget",
        };
        allocateBy.AcceptOnlyFromAmong("budget", "macs", "params");
        var seed = new Option<int>("--seed") { Description = "Seed of batch order, augmentation and the random method" };
        var mu = new Option<double>("--mu") { Description = "fsa: μ of the annealing schedule (larger removes earlier)", DefaultValueFactory = _ => 5 };
        var fsaSelection = new Option<string>("--fsa-selection")
        {
            Description = "fsa: 'global' (the annealed budget met across all groups by importance per unit of cost) or 'per-layer' (each group anneals to its own target width)",
            DefaultValueFactory = _ => "global",
        };
        fsaSelection.AcceptOnlyFromAmong("global", "per-layer");
        var fsaStep = new Option<string>("--fsa-step") { Description = "fsa: one annealing step per 'epoch' or per 'iteration'", DefaultValueFactory = _ => "epoch" };
        fsaStep.AcceptOnlyFromAmong("epoch", "iteration");
        var slim = new Option<double>("--slim-strength") { Description = "slim: L1 strength on BatchNorm γ (1e-5 ResNets, 1e-4 VGG)", DefaultValueFactory = _ => 1e-5 };
        var gregDelta = new Option<double>("--greg-delta")
        {
            Description = "greg1/greg2: growth δλ of the penalty every 10 iterations (the authors' 1e-4 needs 100k iterations to reach λ = 1; a short pruning phase cuts earlier)",
            DefaultValueFactory = _ => new GregSettings().Delta,
        };
        var gregCoupled = new Option<bool>("--greg-coupled") { Description = "greg1/greg2: also prune residual-coupled channels (the authors prune only a block's inner convs)" };
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
            model, method, budget, ratio, roundTo, output, data, epochs, fineTuneEpochs, lr, fineTuneLr, batchSize, batch, profile, measureSeconds, allocateBy, seed, mu, fsaSelection, fsaStep, slim,
            gregDelta, gregCoupled, foldBn, noVerify, inputShape, resume, json,
        };
        command.SetAction((parse, cancellation) => Task.FromResult(CliErrors.Guard(uiFactory.Create(parse.GetValue(json)), ui => Prune(ui, new Request(
            parse.GetValue(model)!, parse.GetValue(method)!, parse.GetValue(budget) ?? [], parse.GetValue(ratio), parse.GetValue(roundTo), parse.GetValue(output)!,
            parse.GetValue(data) is { Length: > 0 } d ? d : null, parse.GetValue(epochs), parse.GetValue(fineTuneEpochs), parse.GetValue(lr), parse.GetValue(fineTuneLr),
            parse.GetValue(batchSize), parse.GetValue(batch), parse.GetValue(profile), parse.GetValue(measureSeconds), parse.GetValue(allocateBy)!, parse.GetValue(seed), parse.GetValue(mu), parse.GetValue(fsaSelection)!, parse.GetValue(fsaStep)!, parse.GetValue(slim),
            parse.GetValue(gregDelta), parse.GetValue(gregCoupled), parse.GetValue(foldBn), !parse.GetValue(noVerify), CommandOptions.ParseShape(parse.GetValue(inputShape)), parse.GetValue(resume)), cancellation))));
        return command;
    }

    private static int Prune(IConsoleUi ui, Request r, CancellationToken cancellation)
    {
        var toOnnx = EngineFactory.IsOnnxFile(r.Output);
        if (!toOnnx && !r.Output.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)) throw new ArgumentException($"--out '{r.Output}' must end in .onnx or .safetensors");
        if (r.Ratio is not null && r.Budgets.Count > 0) throw new ArgumentException("give either --budget (a method under budgets) or --ratio (the uniform baseline), not both");
        if (r.Ratio is null && r.Budgets.Count == 0) throw new ArgumentException("say how small: --budget latency=50% (or macs=…, params=…; repeatable), or --ratio 0.5 for the uniform baseline");
        if (r.FineTuneEpochs < 0 || r.Epochs < 0) throw new ArgumentException("--epochs and --finetune-epochs cannot be negative");
        if (r.Batch < 1) throw new ArgumentException($"--batch must be at least 1 (got {r.Batch})");
        if (!(r.MeasureSeconds >= 0)) throw new ArgumentException($"--measure-seconds cannot be negative (got {r.MeasureSeconds})");
        var specs = r.Budgets.Select(BudgetSpec.Parse).ToList();
        var method = r.Ratio is { } ratio
            ? new UniformMethod(Importance.Create(r.Method, r.Seed), ratio, r.RoundTo)
            : PruningMethods.Create(r.Method, new MethodSettings
            {
                Fsa = new FsaSettings(r.Mu, FsaSettings.ParseSelection(r.FsaSelection), FsaSettings.ParseStep(r.FsaStep)), SlimmingStrength = r.SlimStrength, GregCoupledGroups = r.GregCoupled, Greg = new GregSettings { Delta = r.GregDelta }, Seed = r.Seed,
            });
        var epochs = r.Epochs ?? (method is OneShotMethod or UniformMethod ? 0 : 5);

        var data = r.Data is null ? null : DataSource.Open(r.Data, r.Seed);
        if (data is null && (epochs > 0 || r.FineTuneEpochs > 0)) throw new ArgumentException($"'{method.Name}' with {epochs} pruning and {r.FineTuneEpochs} fine-tuning epochs trains: give --data (e.g. fashion-mnist)");
        using var model = ModelResolver.Open(r.Model, data?.NumClasses, (ulong)r.Seed, r.InputShape ?? data?.InputShape, zooInput: data?.InputShape);
        model.Training = false;
        var checkpointPath = CheckpointPath(r.Output);
        var fingerprint = Fingerprint(r, method.Name, epochs);
        if (!r.Resume && File.Exists(checkpointPath)) ui.Info($"note: starting anew; the interrupted run's checkpoint {checkpointPath} will be replaced (--resume continues it)");
        using var checkpoint = r.Resume ? PruningCheckpoint.Load(checkpointPath, fingerprint) : new PruningCheckpoint(checkpointPath, fingerprint);
        // The graph the run trains: the model, or the interrupted run's (full size while pruning, compacted while fine-tuning).
        // Groups, budgets and costs count widths of the full-size structure.
        var graph = checkpoint.Graph ?? model;
        var groups = ChannelGroups.Discover(checkpoint.Resumed?.Phase == PruningPhase.Prune ? graph : model);
        var costs = new Dictionary<string, ICostModel> { ["params"] = new ParameterCost(groups), ["macs"] = new MacCost(groups) };
        var latency = LatencyFor(ui, groups, r, needed: specs.Any(s => s.Cost == "latency"),
            open: () => ModelResolver.Open(r.Model, data?.NumClasses, (ulong)r.Seed, r.InputShape ?? data?.InputShape, zooInput: data?.InputShape));
        if (latency is not null) costs["latency"] = latency;
        var budgets = specs.Count > 0 ? BudgetSet.Resolve(groups, specs, costs.GetValueOrDefault, r.RoundTo) : BudgetSet.Unconstrained(groups, r.RoundTo);
        budgets.ThrowIfAlreadyMetByDense(); // before the dense evaluation and deployment: no work, nothing written

        var full = groups.FullWidths();
        var dense = new Snapshot(data is null ? null : Evaluator.Evaluate(model, data.Test, data.Normalization), model.ParameterCount, model.Macs, latency?.Total(full));
        using var denseEngine = r.MeasureSeconds > 0 ? new OrtCpuEngine(Environment.ProcessorCount).Deploy(model) : null;
        if (checkpoint.Resumed is { } resumed)
        {
            var last = resumed.Trail.LastOrDefault();
            ui.Info($"Resuming from {checkpointPath}: {(resumed.Phase == PruningPhase.Prune ? "pruning" : "fine-tuning")} phase" +
                    (last is null ? ", before its first epoch" : $", after {last.Phase} epoch {last.Epoch}"));
        }

        var trailPath = TrailPath(r.Output);
        var trail = new Trail(graph.Name, method.Name, groups.Groups.Select(g => g.Name).ToList(), specs.Select(s => s.ToString()).ToList(), trailPath);
        var training = new TrainingOptions { Epochs = Math.Max(1, epochs), BatchSize = r.BatchSize, LearningRate = r.LearningRate, WarmupEpochs = 0, Seed = r.Seed };
        ui.Info($"Pruning {graph.Name} with {method.Name}: {method.Description}");
        ui.Info($"Budgets: {(budgets.Budgets.Count == 0 ? "none (uniform ratio)" : string.Join("; ", budgets.Budgets.Select(b => $"{b.Spec} = {Budget.Format(b.Limit, b.Cost.Unit)} (dense {Budget.Format(b.Dense, b.Cost.Unit)})")))}; " +
                $"{epochs} pruning epochs, {r.FineTuneEpochs} fine-tuning epochs; trail: {trailPath}");

        var outcome = ui.WithProgress($"{method.Name}", bar =>
        {
            var context = new PruningContext
            {
                Graph = graph, ModelName = graph.Name, Groups = groups, Data = data, Budgets = budgets, Costs = costs, Epochs = epochs, Training = training,
                Trail = trail, Seed = r.Seed, Allocation = AllocationFor(r, costs), Cancellation = cancellation, Checkpoint = checkpoint,
                OnTrainer = trainer => trainer.Progress = new SyncProgress<BatchProgress>(p => bar.Update(
                    $"{method.Name} epoch {p.Epoch}/{trainer.Options.Epochs}  loss {p.Loss:F3}  {p.ImagesPerSecond:F0} img/s", p.Batch, p.BatchesPerEpoch)),
                OnEntry = entry => ShowEntry(ui, entry, budgets),
            };
            return PruningRun.Run(context, method, training with { Epochs = r.FineTuneEpochs, LearningRate = r.FineTuneLearningRate, WarmupEpochs = 0 });
        });

        graph.Training = false;
        OnnxOutputResult? onnx = null;
        if (toOnnx) onnx = OnnxOutput.Write(graph, r.Output, new OnnxExportOptions { FoldBatchNorm = r.FoldBatchNorm }, r.Verify);
        else GraphFile.Save(graph, r.Output);
        checkpoint.Delete(); // the output is written: nothing left to resume

        var pruned = new Snapshot(data is null ? null : Evaluator.Evaluate(graph, data.Test, data.Normalization), graph.ParameterCount, graph.Macs, latency?.Total(outcome.Widths));
        LatencyStatistics[]? measured = null;
        if (denseEngine is not null)
        {
            using var prunedEngine = new OrtCpuEngine(Environment.ProcessorCount).Deploy(graph);
            long[] shape = [r.Batch, .. graph.InputShape.Skip(1)];
            var input = new HostTensor(shape, OnnxOutput.RandomInput(shape));
            measured = ui.WithProgress("measuring dense and pruned on ONNX Runtime", bar => ModelLatency.MeasureRuns([denseEngine, prunedEngine], [input, input],
                new ModelMeasurement { MinSeconds = r.MeasureSeconds }, new SyncProgress<double>(f => bar.Update("measuring dense and pruned on ONNX Runtime", f, 1))));
        }

        Report(ui, graph, method, budgets, groups, outcome, dense, pruned, measured, onnx, r.Output, r.Batch);
        return ExitCodes.Success;
    }

    /// <summary>
    /// The allocator's settings: by default steps are ranked by the budgets' own costs (with a latency budget, by the
    /// profile's latency, the staircase pass included); <c>--allocate-by macs|params</c> ranks them by that count and
    /// skips the staircase pass, as a width allocation that knows nothing of the device would.
    /// </summary>
    private static AllocationOptions AllocationFor(Request r, IReadOnlyDictionary<string, ICostModel> costs) => r.AllocateBy == "budget"
        ? new AllocationOptions(r.RoundTo)
        : new AllocationOptions(r.RoundTo, StaircaseWindow: 0, Guide: costs[r.AllocateBy]);

    /// <summary>Accuracy and counts of one side of the comparison.</summary>
    private sealed record Snapshot(EvaluationResult? Accuracy, long Parameters, long Macs, double? PredictedMs);

    /// <summary>
    /// The latency cost model from the profile, or null when there is none for this model. A latency budget needs it:
    /// then a missing profile, or one that lacks the model's layers, is an error naming the command that measures one.
    /// With <c>--profile auto</c> this machine's tables for the model are measured first.
    /// </summary>
    private static LatencyCost? LatencyFor(IConsoleUi ui, ChannelGroups groups, Request r, bool needed, Func<ModelGraph> open)
    {
        if (r.Profile == "auto") return new LatencyCost(new LatencyPredictor(ProfileHere(ui, groups, r.Batch, open), groups));
        var searched = r.Profile ?? "";
        var path = r.Profile ?? ProfileLocator.FindDefault(Engine, r.Batch, out searched);
        var measure = $"pass --profile auto to measure this machine's tables for the model first, or measure a profile with 'toolchain profile MODEL --engine {Engine} --batch {r.Batch}' and pass it with --profile";
        if (path is null)
        {
            if (needed) throw new FileNotFoundException($"a latency budget needs a latency profile for {Engine} at batch {r.Batch} and none was found (looked for {searched}); {measure}");
            return null;
        }

        try
        {
            var profile = LatencyProfile.Load(path);
            var differences = profile.Device.Differences(DeviceFingerprint.Current(Engine, OrtEngine.Version, Environment.ProcessorCount, r.Batch));
            if (differences.Count > 0)
            {
                ui.Info($"warning: '{path}' was measured on another device or engine ({string.Join("; ", differences)}); latency predictions and budgets may be off here — " +
                        "--profile auto measures this machine");
            }

            return new LatencyCost(new LatencyPredictor(profile, groups));
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or KeyNotFoundException)
        {
            if (needed) throw new ArgumentException($"'{path}' cannot predict this model's latency ({e.Message}); {measure}", e);
            ui.Info($"note: no latency prediction for this model from '{path}' ({e.Message})");
            return null;
        }
    }

    /// <summary>
    /// This machine's profile for the model: <see cref="AutoProfile"/> as it is when it already covers and calibrates
    /// the model (so runs compared with each other predict alike), else extended with the model's missing layer
    /// configurations and its calibration (measured anew when it was made on another machine or setting), saved
    /// before it is used.
    /// </summary>
    private static LatencyProfile ProfileHere(IConsoleUi ui, ChannelGroups groups, int batch, Func<ModelGraph> open)
    {
        var autoProfile = AutoProfile(batch);
        var engine = ProfileEngines.Create(Engine, 0);
        var profiler = new Profiler(engine, batch, new ProfilerOptions());
        var profile = profiler.NewProfile();
        if (File.Exists(autoProfile))
        {
            var existing = LatencyProfile.Load(autoProfile);
            if (existing.Device.Differences(engine.Fingerprint(batch)).Count == 0 && existing.Deployment == engine.Deployment) profile = existing;
            else ui.Info($"{autoProfile} was measured on another machine or setting; measuring anew");
        }

        if (Covers(profile, groups))
        {
            ui.Info($"latency profile of this machine: {autoProfile} (covers and calibrates this model; delete it to measure anew)");
            return profile;
        }

        var result = ui.WithProgress("profiling this machine", bar => profiler.Profile(profile, open,
            new SyncProgress<ProfilerProgress>(p => bar.Update($"profiling this machine: {p.Stage} {p.Detail}", p.Done, p.Total))));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(autoProfile))!);
        profile.Save(autoProfile);
        ui.Info($"latency profile of this machine for {result.Model}: {result.Configurations.Count(c => !c.Reused)} configurations measured in {result.Seconds:F0} s, kept in {autoProfile}");
        return profile;
    }

    /// <summary>Whether <paramref name="profile"/> has every layer of the model and a calibration measured on it.</summary>
    private static bool Covers(LatencyProfile profile, ChannelGroups groups)
    {
        try
        {
            return new LatencyPredictor(profile, groups).CalibrationSource == CalibrationSource.Measured;
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or KeyNotFoundException)
        {
            return false;
        }
    }

    /// <summary>The run's settings that shape its result, as text: a resume must be of the same run.</summary>
    private static string Fingerprint(Request r, string method, int epochs) => string.Join(" ", new[]
    {
        $"model {r.Model}", $"data {r.Data ?? "-"}", $"method {method}", $"budgets [{string.Join(", ", r.Budgets)}]", $"ratio {r.Ratio?.ToString(CultureInfo.InvariantCulture) ?? "-"}",
        $"epochs {epochs}+{r.FineTuneEpochs}", FormattableString.Invariant($"lr {r.LearningRate}/{r.FineTuneLearningRate}"), $"batch-size {r.BatchSize}", $"batch {r.Batch}",
        $"seed {r.Seed}", $"round-to {r.RoundTo}", $"allocate-by {r.AllocateBy}", $"profile {r.Profile ?? "-"}",
        FormattableString.Invariant($"fsa {r.Mu}/{r.FsaSelection}/{r.FsaStep}"), FormattableString.Invariant($"slim {r.SlimStrength}"),
        FormattableString.Invariant($"greg {r.GregDelta}/{r.GregCoupled}"), $"input {(r.InputShape is null ? "-" : string.Join("x", r.InputShape))}",
    });

    /// <summary>Where a run with <paramref name="output"/> checkpoints: NAME.checkpoint.safetensors beside it.</summary>
    private static string CheckpointPath(string output) => SiblingPath(output, ".checkpoint.safetensors");

    private static string TrailPath(string output) => SiblingPath(output, ".trail.json");

    private static string SiblingPath(string output, string suffix)
    {
        var directory = Path.GetDirectoryName(output);
        var name = Path.GetFileNameWithoutExtension(output) + suffix;
        return string.IsNullOrEmpty(directory) ? name : Path.Combine(directory, name);
    }

    /// <summary>One line per epoch: each budgeted cost against its limit, and the accuracy.</summary>
    private static void ShowEntry(IConsoleUi ui, TrailEntry entry, BudgetSet budgets)
    {
        var costs = string.Join(", ", entry.Costs.Select(c => budgets.Budgets.FirstOrDefault(b => b.Spec.Cost == c.Key) is { } b
            ? $"{c.Key} {Budget.Format(c.Value, b.Cost.Unit)} / {Budget.Format(b.Limit, b.Cost.Unit)}"
            : $"{c.Key} {c.Value:N0}"));
        var accuracy = entry.TestTop1 is { } top1 ? $", test top-1 {top1:P2}" : "";
        ui.Info($"{entry.Phase} epoch {entry.Epoch}: {costs}{accuracy}{(entry.BudgetsMet ? "" : " (budgets not yet met)")}");
        ui.Json(new { type = "trail", entry.Phase, entry.Epoch, entry.Costs, entry.TestTop1, entry.TestTop5, entry.TrainLoss, entry.BudgetsMet, entry.Widths });
    }

    private static void Report(IConsoleUi ui, ModelGraph graph, IPruningMethod method, BudgetSet budgets, ChannelGroups groups, PruningOutcome outcome,
        Snapshot dense, Snapshot pruned, LatencyStatistics[]? measured, OnnxOutputResult? onnx, string path, int batch)
    {
        static string Ms(double? ms) => ms is { } v ? v.ToString("F3", CultureInfo.InvariantCulture) + " ms" : "–";
        static string Pct(double? v) => v is { } x ? x.ToString("P2", CultureInfo.InvariantCulture) : "–";
        static string Ratio(double? before, double? after) => before is { } b && after is { } a && a > 0 ? $"{b / a:F2}×" : "–";

        var rows = new List<IReadOnlyList<string>>
        {
            new[] { "top-1", Pct(dense.Accuracy?.Top1), Pct(pruned.Accuracy?.Top1), dense.Accuracy is null ? "–" : $"{(pruned.Accuracy!.Top1 - dense.Accuracy.Top1) * 100:+0.00;-0.00} pt" },
            new[] { "top-5", Pct(dense.Accuracy?.Top5), Pct(pruned.Accuracy?.Top5), dense.Accuracy is null ? "–" : $"{(pruned.Accuracy!.Top5 - dense.Accuracy.Top5) * 100:+0.00;-0.00} pt" },
            new[] { "parameters", dense.Parameters.ToString("N0"), pruned.Parameters.ToString("N0"), Ratio(dense.Parameters, pruned.Parameters) + " fewer" },
            new[] { "MACs", dense.Macs.ToString("N0"), pruned.Macs.ToString("N0"), Ratio(dense.Macs, pruned.Macs) + " fewer" },
            new[] { "latency, predicted", Ms(dense.PredictedMs), Ms(pruned.PredictedMs), Ratio(dense.PredictedMs, pruned.PredictedMs) + " faster" },
        };
        if (measured is not null)
        {
            rows.Add(["latency p50, ONNX Runtime", Ms(measured[0].Percentile(50)), Ms(measured[1].Percentile(50)), Ratio(measured[0].Percentile(50), measured[1].Percentile(50)) + " faster"]);
            rows.Add(["latency p90, ONNX Runtime", Ms(measured[0].Percentile(90)), Ms(measured[1].Percentile(90)), Ratio(measured[0].Percentile(90), measured[1].Percentile(90)) + " faster"]);
        }

        ui.Table($"{graph.Name}: dense vs pruned by {method.Name} (ONNX Runtime CPU, batch {batch})", ["", "dense", "pruned", "change"], rows);

        // Every budget by the hard count or the prediction; for latency also by the measurement, scaled to the dense model's.
        var verdicts = budgets.Budgets.Select(b =>
        {
            var value = b.Cost.Total(outcome.Widths);
            var row = new List<string> { b.Spec.ToString(), Budget.Format(b.Limit, b.Cost.Unit), Budget.Format(value, b.Cost.Unit), Verdict(value, b.Limit) };
            if (b.Spec.Cost == "latency" && measured is not null && b.Spec.IsFraction)
            {
                var share = measured[1].Percentile(50) / measured[0].Percentile(50);
                row.Add($"measured p50 {share:P1} of dense: {Verdict(share, b.Spec.Value)}");
            }
            else
            {
                row.Add("");
            }

            return (IReadOnlyList<string>)row;
        }).ToList();
        if (verdicts.Count > 0) ui.Table("budgets", ["budget", "limit", "pruned", "by count / prediction", "by measurement"], verdicts);

        var widths = groups.Groups.Where(g => g.Prunable).Select(g => (g.Name, Before: g.Channels, After: outcome.Widths[g.Id])).ToList();
        ui.Table("widths of the prunable channel groups", ["group", "before", "after", ""],
            widths.Select(w => (IReadOnlyList<string>)[w.Name, w.Before.ToString(), w.After.ToString(), new string('█', Math.Max(1, (int)Math.Round(24.0 * w.After / widths.Max(x => x.Before))))]));
        ui.Info($"compacted = masked: max |Δ| {outcome.Compaction.MaxAbsDifference:G3}; " +
                (onnx is null ? $"graph file written to {path}" : $"ONNX written to {path} (ONNX Runtime parity: {ExportCommand.Describe(onnx)})") +
                $"; trail: {outcome.Trail.Path}");
        foreach (var fold in outcome.Compaction.Report.Folds.Where(f => f.Kind != FoldKind.Exact)) ui.Info($"note: {fold.Node}: {fold.Kind} — {fold.Detail}");

        ui.Json(new
        {
            type = "prune",
            model = graph.Name,
            method = method.Name,
            path,
            trail = outcome.Trail.Path,
            dense = new { top1 = dense.Accuracy?.Top1, top5 = dense.Accuracy?.Top5, parameters = dense.Parameters, macs = dense.Macs, predictedMs = dense.PredictedMs,
                measuredP50Ms = measured?[0].Percentile(50), measuredP90Ms = measured?[0].Percentile(90) },
            pruned = new { top1 = pruned.Accuracy?.Top1, top5 = pruned.Accuracy?.Top5, parameters = pruned.Parameters, macs = pruned.Macs, predictedMs = pruned.PredictedMs,
                measuredP50Ms = measured?[1].Percentile(50), measuredP90Ms = measured?[1].Percentile(90) },
            budgets = budgets.Budgets.Select(b => new { budget = b.Spec.ToString(), limit = b.Limit, unit = b.Cost.Unit, value = b.Cost.Total(outcome.Widths), met = b.IsMet(outcome.Widths) }),
            compactedVsMaskedMaxAbsDiff = outcome.Compaction.MaxAbsDifference,
            parityMaxAbsDiff = onnx?.ParityMaxAbsDiff,
            groups = groups.Groups.Select(g => new { g.Id, g.Name, g.Channels, kept = outcome.Widths[g.Id], g.Prunable, g.Reason }),
        });
    }

    private static string Verdict(double value, double limit) =>
        value <= limit * (1 + 1e-9) ? "met" : $"missed by {(value / limit - 1) * 100:F1} %";
}
