using Toolchain.Runtime;

namespace Toolchain.Pipeline;

/// <summary>
/// What <c>toolchain run</c> does, as read from YAML (<see cref="PipelineConfigLoader"/>). The keys are the properties'
/// names in camelCase; every default is the embedded <c>default.yaml</c>'s value, and that file documents each key.
/// </summary>
public sealed class PipelineConfig
{
    /// <summary>Zoo name, graph file or .onnx file.</summary>
    public string Model { get; set; } = "resnet20";

    /// <summary>fashion-mnist, fashion-mnist:DIR or shapes10.</summary>
    public string Data { get; set; } = "fashion-mnist";

    public TrainSection Train { get; set; } = new();

    public TargetSection Target { get; set; } = new();

    public PruneSection Prune { get; set; } = new();

    public BenchmarkSection Benchmark { get; set; } = new();

    public GateSection Gates { get; set; } = new();

    /// <summary>The run folder.</summary>
    public string Output { get; set; } = "runs/pipeline";

    public sealed class TrainSection
    {
        public int Epochs { get; set; } = 4;
        public int BatchSize { get; set; } = 128;
        public double Lr { get; set; } = 0.1;
        public int Seed { get; set; }

        /// <summary>shapes10 only: how many training images to generate (null: its default, 20,000).</summary>
        public int? Images { get; set; }

        /// <summary>shapes10 only: how many test images to generate (null: its default, 4,000).</summary>
        public int? TestImages { get; set; }
    }

    public sealed class TargetSection
    {
        public string Engine { get; set; } = Engines.OrtCpu.Name;
        public int Batch { get; set; } = 1;
        public string Profile { get; set; } = "auto";
        public bool AllowForeignProfile { get; set; }

        /// <summary>Measure the model's whole-model latency calibration again before pruning (<see cref="PruneRequest.Recalibrate"/>).</summary>
        public bool Recalibrate { get; set; } = true;

        /// <summary>
        /// A device agent's address (<c>toolchain serve</c> on the target): the profile, the recalibration and the deployed-engine
        /// benchmarks run there, and the results carry its fingerprint; null: this machine is the target.
        /// </summary>
        public string? Device { get; set; }

        /// <summary>With <see cref="Device"/>: the file holding the agent's token.</summary>
        public string? TokenFile { get; set; }

        /// <summary>With an https:// <see cref="Device"/>: a PEM file with the private CA that signed the agent's certificate.</summary>
        public string? CaCert { get; set; }
    }

    public sealed class PruneSection
    {
        public string Method { get; set; } = "fsa";
        public List<string> Budgets { get; set; } = ["latency=50%"];
        public int Epochs { get; set; } = 2;
        public int FinetuneEpochs { get; set; } = 2;
        public double Lr { get; set; } = 0.01;
        public double FinetuneLr { get; set; } = 0.01;
        public int BatchSize { get; set; } = 128;
        public int RoundTo { get; set; } = 1;
        public int Seed { get; set; }

        /// <summary>'structured' (channels removed, compacted) or 'unstructured' (single weights masked: a params budget only).</summary>
        public string Sparsity { get; set; } = "structured";

        /// <summary>Each method's own knobs (those of the others are ignored); the same as <c>toolchain prune</c>'s --mu, --swd-mask, ….</summary>
        public MethodOptions Options { get; set; } = new();
    }

    /// <summary>The methods' knobs, named and defaulted as <c>toolchain prune</c>'s options.</summary>
    public sealed class MethodOptions
    {
        private static readonly PruneRequest Defaults = new() { Model = "", Output = "" };

        public double Mu { get; set; } = Defaults.Mu;
        public string FsaSelection { get; set; } = Defaults.FsaSelection;
        public string FsaStep { get; set; } = Defaults.FsaStep;
        public double SlimStrength { get; set; } = Defaults.SlimStrength;
        public double GregDelta { get; set; } = Defaults.GregDelta;
        public bool GregCoupled { get; set; } = Defaults.GregCoupled;
        public double SwdAMax { get; set; } = Defaults.SwdAMax;
        public string SwdMask { get; set; } = Defaults.SwdMask;
        public double SwdRamp { get; set; } = Defaults.SwdRamp;
        public double HfpLambda { get; set; } = Defaults.HfpLambda;
        public double HfpShiftDecay { get; set; } = Defaults.HfpShiftDecay;
        public double LtpLambda { get; set; } = Defaults.LtpLambda;
        public double LtpT0 { get; set; } = Defaults.LtpTemperature;
        public double LtpTauLr { get; set; } = Defaults.LtpThresholdLearningRate;
        public double LtpTauInit { get; set; } = Defaults.LtpThresholdInit;
        public bool RefillCut { get; set; } = Defaults.RefillCut;
        public bool ShareOfKept { get; set; } = Defaults.ShareOfKept;

        /// <summary>The options as the prune stage's record hashes them.</summary>
        public override string ToString() => FormattableString.Invariant(
            $"mu {Mu}, fsa {FsaSelection}/{FsaStep}, slim {SlimStrength}, greg {GregDelta}/{GregCoupled}, swd {SwdAMax}/{SwdMask}/{SwdRamp}, hfp {HfpLambda}/{HfpShiftDecay}, ltp {LtpLambda}/{LtpT0}/{LtpTauLr}/{LtpTauInit}") +
            (RefillCut ? "" : ", no-refill") + (ShareOfKept ? "" : ", no-share-of-kept"); // only when off: records of runs before these options stay valid
    }

    public sealed class BenchmarkSection
    {
        public List<int> Batches { get; set; } = [1];
        public double Seconds { get; set; } = 10;
    }

    public sealed class GateSection
    {
        public double? LatencyTolerance { get; set; } = 0.15;
        public double? AccuracyFloor { get; set; }
        public double? MaxAccuracyDrop { get; set; } = 0.15;
        public double? Parity { get; set; } = 1e-4;
        public double? MinSpeedup { get; set; }
    }

    /// <summary>Refuses values no run can use, naming the key (the loader has already checked types and names).</summary>
    public void Validate()
    {
        static void Require(bool ok, string key, string what)
        {
            if (!ok) throw new PipelineConfigException($"'{key}' {what}");
        }

        Require(!string.IsNullOrWhiteSpace(Model), "model", "is empty: give a zoo name, a .safetensors graph file or an .onnx file");
        Require(!string.IsNullOrWhiteSpace(Data), "data", "is empty: give fashion-mnist, fashion-mnist:DIR or shapes10");
        Require(Train.Epochs >= 0, "train.epochs", $"cannot be negative (got {Train.Epochs})");
        Require(Train.BatchSize >= 1, "train.batchSize", $"must be at least 1 (got {Train.BatchSize})");
        Require(Train.Lr > 0, "train.lr", $"must be positive (got {Train.Lr})");
        Require(Train.Images is null or >= 1, "train.images", $"must be at least 1 (got {Train.Images})");
        Require(Train.TestImages is null or >= 1, "train.testImages", $"must be at least 1 (got {Train.TestImages})");
        Require(Target.Engine == Engines.OrtCpu.Name, "target.engine", $"is '{Target.Engine}'; the pipeline deploys on {Engines.OrtCpu} (TensorRT engines are built beside it where the host has TensorRT)");
        Require(Target.Batch >= 1, "target.batch", $"must be at least 1 (got {Target.Batch})");
        Require(!string.IsNullOrWhiteSpace(Target.Profile), "target.profile", "is empty: give auto or a profile file");
        Require(Target.Device is null || (Uri.TryCreate(Target.Device, UriKind.Absolute, out var device) && device.Scheme is "http" or "https"), "target.device",
            $"is '{Target.Device}'; give a device agent's http:// or https:// address, e.g. http://edge-01:5117 (or null for this machine)");
        Require(Target.Device is null || Target.TokenFile is not null, "target.tokenFile", "is missing: target.device needs the file with the agent's token");
        Require(Target.Device is not null || (Target.TokenFile is null && Target.CaCert is null), "target.tokenFile",
            "and target.caCert go with target.device (without one they would be ignored)");
        Require(Prune.Budgets.Count > 0, "prune.budgets", "is empty: give at least one budget, e.g. [latency=50%]");
        Require(Prune.Epochs >= 0 && Prune.FinetuneEpochs >= 0, "prune.epochs", "and prune.finetuneEpochs cannot be negative");
        Require(Prune.RoundTo >= 1, "prune.roundTo", $"must be at least 1 (got {Prune.RoundTo})");
        Require(Methods.PruningMethods.Names.Contains(Prune.Method), "prune.method", $"is '{Prune.Method}'; known: {string.Join(", ", Methods.PruningMethods.Names)}");
        Require(Prune.Sparsity is "structured" or "unstructured", "prune.sparsity", $"is '{Prune.Sparsity}'; allowed: structured, unstructured");
        var o = Prune.Options;
        Require(o.FsaSelection is "per-layer" or "global", "prune.options.fsaSelection", $"is '{o.FsaSelection}'; allowed: per-layer, global");
        Require(o.FsaStep is "iteration" or "epoch", "prune.options.fsaStep", $"is '{o.FsaStep}'; allowed: iteration, epoch");
        Require(o.SwdRamp is > 0 and <= 1, "prune.options.swdRamp", $"is a share of the pruning phase in (0, 1] (got {o.SwdRamp})");
        Require(o.SwdMask is "threshold" or "allocated" or "l1-cut", "prune.options.swdMask", $"is '{o.SwdMask}'; allowed: threshold, allocated, l1-cut");
        Require(Benchmark.Batches.Count > 0 && Benchmark.Batches.All(b => b >= 1), "benchmark.batches", "must list batch sizes of at least 1");
        Require(Benchmark.Seconds > 0, "benchmark.seconds", $"must be positive (got {Benchmark.Seconds})");
        Require(Gates.LatencyTolerance is null or > -1, "gates.latencyTolerance", "must be above −1 (a negative tolerance is stricter than the budget)");
        Require(Gates.AccuracyFloor is null or >= 0 and <= 1, "gates.accuracyFloor", "is a fraction in [0, 1] (0.9 = 90 %)");
        Require(Gates.MaxAccuracyDrop is null or >= 0 and <= 1, "gates.maxAccuracyDrop", "is a fraction in [0, 1] (0.05 = 5 points)");
        Require(Gates.Parity is null or >= 0, "gates.parity", "cannot be negative");
        Require(Gates.MinSpeedup is null or > 0, "gates.minSpeedup", "must be positive");
        Require(!string.IsNullOrWhiteSpace(Output), "output", "is empty: give the run folder");
    }

    /// <summary>The batch sizes the benchmark measures: the configured ones and the target batch, ascending.</summary>
    public IReadOnlyList<int> BenchmarkBatches => Benchmark.Batches.Append(Target.Batch).Distinct().Order().ToList();
}

/// <summary>A configuration that cannot be read or used; the message names the file, line, key and what is allowed.</summary>
public sealed class PipelineConfigException(string message) : Exception(message);
