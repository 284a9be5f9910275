using Toolchain.Methods;

namespace Toolchain.Pipeline;

/// <summary>
/// Every setting of a <see cref="PruneJob"/>: what <c>toolchain prune</c> takes on its command line, one property
/// per option. The defaults are the command's defaults (its options read them from here).
/// </summary>
public sealed record PruneRequest
{
    /// <summary>Zoo name, graph file, checkpoint or .onnx file (see <see cref="ModelResolver"/>).</summary>
    public required string Model { get; init; }

    /// <summary>Where to write: .onnx (deployable, checked in ONNX Runtime) or .safetensors (graph file); the trail goes beside it.</summary>
    public required string Output { get; init; }

    /// <summary>With <see cref="Budgets"/> the pruning method (<see cref="PruningMethods.Names"/>); with <see cref="Ratio"/> the channel criterion.</summary>
    public string Method { get; init; } = "l1";

    /// <summary>Budget specs all of which must hold (latency=50%, macs=20M, …); empty with <see cref="Ratio"/>.</summary>
    public IReadOnlyList<string> Budgets { get; init; } = [];

    /// <summary>The uniform baseline instead of budgets: remove this fraction of every prunable group.</summary>
    public double? Ratio { get; init; }

    /// <summary>Keep widths that are multiples of this.</summary>
    public int RoundTo { get; init; } = 1;

    /// <summary>Data to train, fine-tune and evaluate on (<see cref="Training.DataSource.Open"/>); null for none.</summary>
    public string? Data { get; init; }

    /// <summary>Epochs of the pruning phase; null: 0 for one-shot methods, 5 for the training methods.</summary>
    public int? Epochs { get; init; }

    public int FineTuneEpochs { get; init; }

    public double LearningRate { get; init; } = 0.01;

    public double FineTuneLearningRate { get; init; } = 0.01;

    /// <summary>Training batch size.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Deployment batch size: the batch the latency profile describes and the deployed engine is measured at.</summary>
    public int Batch { get; init; } = 1;

    /// <summary>Latency profile: a path, <see cref="LatencyProfiles.Auto"/>, or null for the one in profiles/ (see <see cref="LatencyProfiles.CostModel"/>).</summary>
    public string? Profile { get; init; }

    /// <summary>
    /// With a latency budget: measure the model's whole-model calibration again on this machine as it runs now before
    /// pruning (<see cref="Toolchain.Profiling.Profiler.Recalibrate"/>; the profile file is left as it is).
    /// </summary>
    public bool Recalibrate { get; init; }

    /// <summary>
    /// The target is this device agent: the latency profile is its own (<see cref="LatencyProfiles.CostModel"/>'s device) and the
    /// recalibration is measured there.
    /// </summary>
    public IRemoteDevice? Device { get; init; }

    /// <summary>Measure dense and pruned on ONNX Runtime for this long, taking turns (0: skip).</summary>
    public double MeasureSeconds { get; init; } = 6;

    /// <summary>Rank width reductions by 'budget' (the budgets' own costs), 'macs' or 'params'.</summary>
    public string AllocateBy { get; init; } = "budget";

    /// <summary>Seed of batch order, augmentation and the random method.</summary>
    public int Seed { get; init; }

    /// <summary>fsa: μ of the annealing schedule.</summary>
    public double Mu { get; init; } = 5;

    /// <summary>fsa: 'global' or 'per-layer'.</summary>
    public string FsaSelection { get; init; } = "per-layer";

    /// <summary>fsa: one annealing step per 'epoch' or per 'iteration'.</summary>
    public string FsaStep { get; init; } = "iteration";

    /// <summary>slim: L1 strength on BatchNorm γ.</summary>
    public double SlimStrength { get; init; } = 1e-5;

    /// <summary>greg1/greg2: growth δλ of the penalty every 10 iterations.</summary>
    public double GregDelta { get; init; } = new GregSettings().Delta;

    /// <summary>greg1/greg2: also prune residual-coupled channels.</summary>
    public bool GregCoupled { get; init; }

    /// <summary>shapes10 only: how many training images to generate (null: its default).</summary>
    public int? TrainImages { get; init; }

    /// <summary>shapes10 only: how many test images to generate (null: its default, 4,000).</summary>
    public int? TestImages { get; init; }

    /// <summary>swd: a_max, where the extra decay's multiplier ends (the authors' 1e5).</summary>
    public double SwdAMax { get; init; } = new SwdSettings().AMax;

    /// <summary>swd: 'threshold' (the authors' global |γ| threshold) or 'allocated' (the latency-aware allocator's widths; our extension).</summary>
    public string SwdMask { get; init; } = "threshold";

    /// <summary>swd: the share of the pruning phase over which a(t) grows to a_max (the authors: 1, all of it; less is our option).</summary>
    public double SwdRamp { get; init; } = new SwdSettings().Ramp;

    /// <summary>hfp: the penalty weight λ of every budget (our reconstruction's knob).</summary>
    public double HfpLambda { get; init; } = new HfpSettings().Lambda;

    /// <summary>hfp: how much the BatchNorm shift of a channel below the cut's threshold shrinks per step (our extension).</summary>
    public double HfpShiftDecay { get; init; } = new HfpSettings().ShiftDecay;

    /// <summary>hfp, ltp (structured): widen the learned cut with what the budgets still leave (our extension; false keeps the cut as learned).</summary>
    public bool RefillCut { get; init; } = new HfpSettings().RefillCut;

    /// <summary>hfp, ltp (structured): scale each group's penalty push by the share of its channels it still keeps (our extension; false pushes by cost alone).</summary>
    public bool ShareOfKept { get; init; } = new HfpSettings().ShareOfKept;

    /// <summary>'structured' (channels, compacted) or 'unstructured' (single conv and linear weights masked; the graph keeps its shape).</summary>
    public string Sparsity { get; init; } = "structured";

    /// <summary>ltp: weight λ of the L0 term (our default; the paper gives none).</summary>
    public double LtpLambda { get; init; } = new LtpSettings().Lambda;

    /// <summary>ltp: T₀ of the temperature T_l = T₀·Var(|w|) (our default).</summary>
    public double LtpTemperature { get; init; } = new LtpSettings().TemperatureScale;

    /// <summary>ltp: τ's own learning rate (plain SGD, no weight decay; our default).</summary>
    public double LtpThresholdLearningRate { get; init; } = new LtpSettings().ThresholdLearningRate;

    /// <summary>ltp: τ's initial value (our default 0: the hard mask starts dense).</summary>
    public double LtpThresholdInit { get; init; } = new LtpSettings().ThresholdInit;

    /// <summary>Fold BatchNorm into the preceding convolution in the written .onnx.</summary>
    public bool FoldBatchNorm { get; init; }

    /// <summary>Check the written .onnx in ONNX Runtime against our executor.</summary>
    public bool Verify { get; init; } = true;

    /// <summary>
    /// Also keep the compacted, fine-tuned graph here (a graph file, .safetensors) when <see cref="Output"/> is .onnx:
    /// the reference the pipeline checks the written file against on real data. Null: none.
    /// </summary>
    public string? ReferenceGraph { get; init; }

    /// <summary>Input shape N×C×H×W for ONNX files whose sizes are dynamic; null otherwise.</summary>
    public long[]? InputShape { get; init; }

    /// <summary>Continue an interrupted run of the same request from its checkpoint (<see cref="PruneJob.CheckpointPath"/>).</summary>
    public bool Resume { get; init; }
}
