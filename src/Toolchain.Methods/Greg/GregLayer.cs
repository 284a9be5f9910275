namespace Toolchain.Methods;

/// <summary>
/// One regularized unit of a GReg run: a layer (or a coupled channel group) with a penalty λ per channel and the
/// number of its channels to prune. Which channels are pruned is chosen by magnitude: at the start (GReg-1) or after
/// the picking stage (GReg-2).
/// </summary>
public sealed class GregLayer
{
    public GregLayer(string name, int channels, int pruneCount)
    {
        if (channels < 1) throw new ArgumentOutOfRangeException(nameof(channels), channels, $"layer '{name}' needs at least one channel");
        if (pruneCount < 0 || pruneCount >= channels)
        {
            throw new ArgumentOutOfRangeException(nameof(pruneCount), pruneCount, $"layer '{name}' can prune 0..{channels - 1} of its {channels} channels");
        }

        Name = name;
        Channels = channels;
        PruneCount = pruneCount;
        Lambda = new double[channels];
    }

    public string Name { get; }

    public int Channels { get; }

    public int PruneCount { get; }

    /// <summary>The penalty per channel: the gradient gets <c>λ_c · w_c</c> added.</summary>
    public double[] Lambda { get; }

    /// <summary>Which channels are pruned; null until picked.</summary>
    public bool[]? Pruned { get; private set; }

    /// <summary>The running (EMA) ratio mean|kept| / mean|pruned|; null before the first update after picking.</summary>
    public double? MagnitudeRatio { get; internal set; }

    /// <summary>Whether λ stopped growing here.</summary>
    public bool Done { get; internal set; }

    /// <summary>Takes back a checkpointed state (<see cref="GrowingRegularization.Restore"/>).</summary>
    internal void Restore(GregLayerSnapshot saved)
    {
        if (saved.Lambda.Length != Channels || saved.Pruned is { } p && p.Length != Channels)
        {
            throw new InvalidDataException($"the saved GReg state of layer '{Name}' is not of its {Channels} channels");
        }

        saved.Lambda.CopyTo(Lambda, 0);
        Pruned = saved.Pruned?.ToArray();
        MagnitudeRatio = saved.MagnitudeRatio;
        Done = saved.Done;
    }

    /// <summary>Marks the <see cref="PruneCount"/> channels of smallest magnitude as pruned (ties: the lower index is pruned first).</summary>
    public void Pick(IReadOnlyList<double> magnitudes)
    {
        if (magnitudes.Count != Channels)
        {
            throw new ArgumentException($"layer '{Name}' has {Channels} channels but {magnitudes.Count} magnitudes were given", nameof(magnitudes));
        }

        Pruned = new bool[Channels];
        foreach (var c in Enumerable.Range(0, Channels).OrderBy(c => magnitudes[c]).ThenBy(c => c).Take(PruneCount)) Pruned[c] = true;
    }

    /// <summary>mean|kept| / mean|pruned| at <paramref name="magnitudes"/> (infinite when every pruned channel is exactly zero).</summary>
    public double RatioOf(IReadOnlyList<double> magnitudes)
    {
        var pruned = Pruned ?? throw new InvalidOperationException($"layer '{Name}': no channels picked yet");
        double kept = 0, gone = 0;
        for (var c = 0; c < Channels; c++)
        {
            if (pruned[c]) gone += magnitudes[c];
            else kept += magnitudes[c];
        }

        var (keptMean, goneMean) = (kept / (Channels - PruneCount), gone / PruneCount);
        return goneMean == 0 ? double.PositiveInfinity : keptMean / goneMean;
    }
}
