namespace Toolchain.Profiling;

/// <summary>
/// Chooses the widths at which a latency curve is sampled. Real kernels make latency a staircase in the width
/// (channels are processed in SIMD blocks; ONNX Runtime pads convolutions to 8 or 16 channels), so a fixed grid either
/// misses the steps or wastes time on flat stretches. Start with both extremes and multiples of 8, then bisect every
/// interval where the curve is not linear, towards the step; finally drop samples their neighbours predict.
/// </summary>
public static class AxisSampler
{
    /// <summary>
    /// <paramref name="low"/>, <paramref name="high"/> and the multiples of <paramref name="step"/> between them —
    /// of a multiple of <paramref name="step"/> coarse enough that there are at most <paramref name="maxPoints"/> —
    /// each moved to the nearest width <paramref name="accepts"/> allows (the widths a kernel variant runs at).
    /// Empty when no width in the range is accepted.
    /// </summary>
    public static int[] Initial(int low, int high, int step = 8, int maxPoints = 17, Func<int, bool>? accepts = null)
    {
        if (low < 1 || high < low) throw new ArgumentOutOfRangeException(nameof(high), $"need 1 ≤ low ≤ high, got {low}…{high}");
        if (step < 1 || maxPoints < 2) throw new ArgumentOutOfRangeException(nameof(step), "step ≥ 1 and maxPoints ≥ 2");
        accepts ??= _ => true;
        var stride = step;
        while ((high - low) / stride + 2 > maxPoints) stride += step;
        var raw = new List<int> { low, high };
        for (var w = (low / stride + 1) * stride; w < high; w += stride) raw.Add(w);
        var points = new SortedSet<int>();
        foreach (var w in raw)
        {
            if (Nearest(w, low, high, accepts) is { } snapped) points.Add(snapped);
        }

        return points.ToArray();
    }

    /// <summary>
    /// Adds samples where the curve steps: each interval whose (accepted) midpoint deviates from the straight line
    /// between its ends by more than the tolerance is bisected — only on the side that still changes when the
    /// midpoint already equals one end (a step), on both sides otherwise — until no accepted width lies inside or
    /// <paramref name="maxAdded"/> samples were added. Returns every sample, measured ones included.
    /// </summary>
    public static SortedDictionary<int, double> Refine(IEnumerable<int> initial, Func<int, double> measure, Func<double, double, bool> same, int maxAdded,
        Func<int, bool>? accepts = null)
    {
        ArgumentNullException.ThrowIfNull(measure);
        ArgumentNullException.ThrowIfNull(same);
        accepts ??= _ => true;
        var samples = new SortedDictionary<int, double>();
        foreach (var w in initial) samples[w] = measure(w);
        var keys = samples.Keys.ToArray();
        var pending = new Queue<(int A, int B)>();
        for (var i = 0; i + 1 < keys.Length; i++) pending.Enqueue((keys[i], keys[i + 1]));
        var added = 0;
        while (pending.Count > 0 && added < maxAdded)
        {
            var (a, b) = pending.Dequeue();
            if (b - a < 2 || Nearest(a + (b - a) / 2, a + 1, b - 1, accepts) is not { } m) continue;
            var fm = measure(m);
            samples[m] = fm;
            added++;
            var (fa, fb) = (samples[a], samples[b]);
            var linear = fa + (fb - fa) * (m - a) / (b - a);
            if (same(fm, linear)) continue;
            var flatRight = same(fm, fb);
            var flatLeft = same(fm, fa);
            if (!flatRight || flatLeft) pending.Enqueue((m, b));
            if (!flatLeft || flatRight) pending.Enqueue((a, m));
        }

        return samples;
    }

    /// <summary>The accepted width in [low, high] closest to <paramref name="target"/> (ties go down), or null.</summary>
    public static int? Nearest(int target, int low, int high, Func<int, bool> accepts)
    {
        for (var d = 0; d <= high - low; d++)
        {
            if (target - d >= low && target - d <= high && accepts(target - d)) return target - d;
            if (target + d >= low && target + d <= high && accepts(target + d)) return target + d;
        }

        return null;
    }

    /// <summary>The widths of the samples that remain when those that linear interpolation between kept neighbours reproduces are dropped.</summary>
    public static int[] Simplify(SortedDictionary<int, double> samples, Func<double, double, bool> same)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var kept = samples.ToList();
        var removed = true;
        while (removed && kept.Count > 2)
        {
            removed = false;
            for (var i = 1; i + 1 < kept.Count; i++)
            {
                // Every sample between the neighbours (dropped ones too) must stay on the line without this one.
                var (a, b) = (kept[i - 1], kept[i + 1]);
                var covered = samples.Where(s => s.Key > a.Key && s.Key < b.Key)
                    .All(s => same(s.Value, a.Value + (b.Value - a.Value) * (s.Key - a.Key) / (b.Key - a.Key)));
                if (!covered) continue;
                kept.RemoveAt(i);
                removed = true;
                i--;
            }
        }

        return kept.Select(k => k.Key).ToArray();
    }
}
