using Toolchain.Graph;
using Toolchain.Profiling;
using Toolchain.Pruning;

namespace Toolchain.Profiling.Tests;

/// <summary>Small graphs and synthetic profiles with known tables.</summary>
internal static class TestProfiles
{
    public static DeviceFingerprint Device(string engine = "ort-cpu") => new()
    {
        CpuModel = "Test CPU",
        Cores = 2,
        Threads = 2,
        Engine = engine,
        EngineVersion = "1.0",
        Batch = 1,
        Precision = "float32",
        Date = "2025-01-01T00:00:00Z",
    };

    public static MeasurementSettings Settings => new(5, 25, 10, 10, "test layer statistic", "test model statistic");

    /// <summary>
    /// [1, 3, 8, 8] → conv 3→8 (BN, ReLU) → conv 8→12 (BN, ReLU) → conv 12→8 (BN) + residual → ReLU → global
    /// average pool → flatten → linear 8→4: two prunable groups (the residual pair, the middle conv).
    /// </summary>
    public static ModelGraph Tiny()
    {
        using var b = new GraphBuilder("tiny", [1, 3, 8, 8], seed: 1);
        var x = b.Relu(b.BatchNorm(b.Conv(b.Input, 8, 3, padding: 1, bias: false, name: "stem"), "stem_bn"), "stem_relu");
        var y = b.Relu(b.BatchNorm(b.Conv(x, 12, 3, padding: 1, bias: false, name: "mid"), "mid_bn"), "mid_relu");
        y = b.BatchNorm(b.Conv(y, 8, 3, padding: 1, bias: false, name: "back"), "back_bn");
        y = b.Relu(b.Add(y, x, "add"), "add_relu");
        y = b.Flatten(b.GlobalAveragePool(y, "pool"), name: "flatten");
        b.Output(b.Linear(y, 4, name: "fc"));
        return b.Build();
    }

    /// <summary>
    /// ConvNeXt in miniature, as the importer reads convnext_tiny: [1, 3, 32, 32] → stem conv 3→16 4×4 stride 4 →
    /// LayerNorm → a block (depthwise 7×7, LayerNorm, 1×1 16→48, GELU, 1×1 48→16, layer scale as a depthwise 1×1
    /// without bias, + residual) → LayerNorm → conv 16→32 2×2 stride 2 → global average pool → LayerNorm → flatten →
    /// linear 32→4. The block's 48 hidden channels are prunable; the LayerNorms make every other group unprunable.
    /// </summary>
    public static ModelGraph ConvNeXtLike()
    {
        using var b = new GraphBuilder("convnext_like", [1, 3, 32, 32], seed: 2);
        var x = b.LayerNorm(b.Conv(b.Input, 16, 4, stride: 4, name: "stem"), 1e-6, "stem_norm");
        var y = b.LayerNorm(b.Conv(x, 16, 7, padding: 3, groups: 16, name: "dwconv"), 1e-6, "norm");
        y = b.Conv(b.Gelu(b.Conv(y, 48, 1, name: "pwconv1"), "act"), 16, 1, name: "pwconv2");
        x = b.Add(b.Conv(y, 16, ConvAttributes.Square(1, groups: 16), bias: false, name: "layer_scale"), x, "add");
        x = b.Conv(b.LayerNorm(x, 1e-6, "down_norm"), 32, 2, stride: 2, name: "down");
        var z = b.LayerNorm(b.GlobalAveragePool(x, "pool"), 1e-6, "head_norm");
        b.Output(b.Linear(b.Flatten(z, name: "flatten"), 4, name: "fc"));
        return b.Build();
    }

    /// <summary>Latency of a layer in this synthetic world: 1 µs per axis unit, plus 0.5 µs per width product.</summary>
    public static double Synthetic(LayerConfig config, double[] dims) =>
        (dims.Sum() + 0.5 * dims.Aggregate(1.0, (p, d) => p * d) + config.Key.Length) / 1000;

    /// <summary>
    /// A profile holding a table for every configuration the graph may run as under <paramref name="deployment"/>,
    /// over exactly the widths it needs, sampled at every width (so interpolation is exact) from <see cref="Synthetic"/>.
    /// </summary>
    public static LatencyProfile For(ModelGraph graph, Deployment deployment, ModelCalibration? calibration = null)
    {
        var profile = new LatencyProfile(Device(), Settings, deployment);
        var needed = Profiler.NeededRanges(new ModelStructure(graph), ChannelGroups.Discover(graph), deployment);
        foreach (var (config, ranges) in needed.Values)
        {
            var axes = ranges.Select((r, d) => Enumerable.Range(r.Low, r.High - r.Low + 1).Where(w => deployment.Accepts(config, d, w)).ToArray()).ToArray();
            var values = axes.Length == 1
                ? axes[0].Select(w => Synthetic(config, [w])).ToArray()
                : axes[0].SelectMany(a => axes[1].Select(b => Synthetic(config, [a, b]))).ToArray();
            profile.SetLayer(config, new LatencyTable(axes, values));
        }

        if (calibration is not null) profile.SetCalibration(calibration);
        return profile;
    }
}
