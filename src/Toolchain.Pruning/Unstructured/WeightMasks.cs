using Toolchain.Graph;
using Toolchain.Torch;

namespace Toolchain.Pruning;

/// <summary>
/// Unstructured masks: for each conv and linear weight (<see cref="PrunableWeights"/>), by parameter name, which entries
/// stay (1) and which are removed (0), in the weight's row-major order. Plain data (no native tensors), so an outcome
/// can keep it after the graph is gone. <see cref="Apply"/> hands them to <see cref="Parameter.Mask"/>, which keeps the
/// removed weights, their gradients and momentum exactly zero through any further training.
/// </summary>
public sealed class WeightMasks
{
    private readonly Dictionary<string, (long[] Shape, bool[] Keep)> _masks;

    private WeightMasks(Dictionary<string, (long[] Shape, bool[] Keep)> masks)
    {
        _masks = masks;
        Kept = masks.Values.Sum(m => m.Keep.LongCount(k => k));
        Total = masks.Values.Sum(m => (long)m.Keep.Length);
    }

    /// <summary>Entries kept over all masked weights.</summary>
    public long Kept { get; }

    /// <summary>Entries of all masked weights.</summary>
    public long Total { get; }

    /// <summary>The masked parameters' names.</summary>
    public IReadOnlyCollection<string> Names => _masks.Keys;

    /// <summary>The kept entries of <paramref name="parameter"/> (a copy), row-major.</summary>
    public bool[] Keep(string parameter) => (bool[])(_masks.TryGetValue(parameter, out var m) ? m.Keep
        : throw new KeyNotFoundException($"no weight mask for parameter '{parameter}'")).Clone();

    /// <summary>Kept entries per parameter, by name.</summary>
    public IReadOnlyDictionary<string, long> KeptPerParameter() => _masks.ToDictionary(m => m.Key, m => m.Value.Keep.LongCount(k => k));

    /// <summary>
    /// The <paramref name="keep"/> entries with the highest <paramref name="score"/> over all <paramref name="weights"/>
    /// together (one global threshold), exactly that many: entries tied at the threshold are taken in parameter order,
    /// then row-major, so the count is exact and the choice deterministic.
    /// </summary>
    /// <param name="score">Per weight, one score per entry in row-major order (|w|, a gate's logit, …); NaN is refused.</param>
    public static WeightMasks TopByScore(IReadOnlyList<Parameter> weights, Func<Parameter, float[]> score, long keep)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(score);
        var scores = weights.Select(p =>
        {
            var s = score(p);
            if (s.Length != p.NumElements) throw new ArgumentException($"{s.Length} scores for parameter '{p.Name}' of {p.NumElements} entries", nameof(score));
            return s;
        }).ToList();
        var total = scores.Sum(s => (long)s.Length);
        if (keep < 0 || keep > total) throw new ArgumentOutOfRangeException(nameof(keep), keep, $"cannot keep {keep} of {total} weights");
        var masks = new Dictionary<string, (long[] Shape, bool[] Keep)>(StringComparer.Ordinal);
        if (keep == 0)
        {
            for (var i = 0; i < weights.Count; i++) masks[weights[i].Name] = (weights[i].Shape, new bool[scores[i].Length]);
            return new WeightMasks(masks);
        }

        // The keep-th largest score is the threshold: everything above it stays, and ties at it fill up to keep.
        var all = new float[total];
        var offset = 0L;
        foreach (var s in scores)
        {
            if (s.Any(float.IsNaN)) throw new ArgumentException("a weight score is NaN (the weights diverged?)", nameof(score));
            Array.Copy(s, 0, all, offset, s.Length);
            offset += s.Length;
        }

        Array.Sort(all);
        var threshold = all[total - keep];
        var above = all.LongCount(v => v > threshold);
        var ties = keep - above;
        for (var i = 0; i < weights.Count; i++)
        {
            var s = scores[i];
            var k = new bool[s.Length];
            for (var j = 0; j < s.Length; j++)
            {
                if (s[j] > threshold) k[j] = true;
                else if (s[j] == threshold && ties > 0)
                {
                    k[j] = true;
                    ties--;
                }
            }

            masks[weights[i].Name] = (weights[i].Shape, k);
        }

        return new WeightMasks(masks);
    }

    /// <summary>The <paramref name="keep"/> conv and linear weights of <paramref name="graph"/> largest in magnitude (one global |w| threshold).</summary>
    public static WeightMasks TopMagnitude(ModelGraph graph, long keep) => TopByScore(PrunableWeights.Of(graph), Magnitudes, keep);

    /// <summary>The non-zero entries of the conv and linear weights (what a masked graph read back from a checkpoint keeps).</summary>
    public static WeightMasks NonZero(ModelGraph graph) =>
        new(PrunableWeights.Of(graph).ToDictionary(p => p.Name, p => (p.Shape, Values(p).Select(v => v != 0).ToArray()), StringComparer.Ordinal));

    /// <summary>|w| of every entry, row-major.</summary>
    public static float[] Magnitudes(Parameter parameter) => Values(parameter).Select(MathF.Abs).ToArray();

    private static float[] Values(Parameter parameter)
    {
        using var value = parameter.Value.Detach();
        return value.ToArray<float>();
    }

    /// <summary>Sets <see cref="Parameter.Mask"/> of every masked weight of <paramref name="graph"/> (the removed entries become exactly 0 and stay so).</summary>
    public void Apply(ModelGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        using var scope = DisposeScope.Enter();
        foreach (var (parameter, mask) in KeepTensors(graph)) parameter.Mask = mask; // the setter takes it out of the scope
    }

    /// <summary>Per masked weight, its 0/1 keep tensor in the weight's shape; the tensors belong to the caller's dispose scope (or the caller).</summary>
    public IReadOnlyList<(Parameter Parameter, Tensor Keep)> KeepTensors(ModelGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return _masks.Select(m =>
        {
            var parameter = graph.GetParameter(m.Key);
            if (!parameter.Shape.SequenceEqual(m.Value.Shape))
            {
                throw new ArgumentException($"the weight mask of '{m.Key}' is [{string.Join(", ", m.Value.Shape)}] but the parameter is [{string.Join(", ", parameter.Shape)}]");
            }

            return (parameter, Tensor.FromArray(m.Value.Keep.Select(k => k ? 1f : 0f).ToArray(), m.Value.Shape));
        }).ToList();
    }
}
