using Toolchain.Graph;
using Toolchain.Torch;

namespace Toolchain.Pruning;

/// <summary>
/// Folds what removed channels still contribute into the consumer. A removed channel whose value at the consumer is
/// the same for every sample and position (a conv filter of zeros, or a BatchNorm scale of 0 leaving relu(β)) adds
/// W[:, c]·value to every output of a Gemm or conv, which its bias can absorb: exactly for a Gemm and an unpadded
/// conv. A padded conv sees zeros instead of the constant on its border, so folding there is exact in the interior
/// only; it is still done (it is closer than dropping the constant everywhere) and reported as
/// <see cref="FoldKind.InteriorOnly"/>. A consumer without a bias folds into the running mean of a BatchNorm that is
/// its only reader (BN(y + d) = BN'(y) with μ' = μ − d; training-mode BatchNorm ignores constants anyway).
/// Constant channels are found by running the graph in eval mode on two random probe inputs.
/// </summary>
internal static class ConstantFolding
{
    public static List<ConstantFold> Fold(ChannelGroups groups, GroupMasks masks, Dictionary<string, Tensor> folded, int seed)
    {
        var graph = groups.Graph;
        var targets = new List<(Node Node, float[] Weight, long[] Shape, int[] Removed)>();
        foreach (var b in groups.TensorBindings.Where(b => b is { Role: TensorRole.Weight, Axis: 1, Op: OpKind.Conv or OpKind.Gemm }))
        {
            var kept = groups.Kept(b.Elements, masks);
            var removed = Enumerable.Range(0, kept.Length).Where(i => !kept[i]).ToArray();
            if (removed.Length == 0) continue;
            var weight = graph.GetTensor(b.Tensor);
            var w = weight.Detach().ToArray<float>();
            var shape = weight.Shape;
            // Removed columns that are all zero (a masked graph) contribute nothing, whatever their input.
            if (removed.All(j => Column(w, shape, j).All(v => v == 0))) continue;
            targets.Add((graph.GetNode(b.Node), w, shape, removed));
        }

        if (targets.Count == 0) return [];
        var probes = Probe(graph, targets.Select(t => t.Node.Inputs[0]).ToHashSet(StringComparer.Ordinal), seed);
        var folds = new List<ConstantFold>();
        foreach (var (node, w, shape, removed) in targets)
        {
            var (x, xShape) = (probes.Select(p => p[node.Inputs[0]].Values).ToArray(), probes[0][node.Inputs[0]].Shape);
            var delta = new double[shape[0]];
            int foldedChannels = 0, varying = 0;
            var isConv = node.Op == OpKind.Conv;
            var convGroups = isConv ? node.AttributesAs<ConvAttributes>().Groups : 1;
            var (perGroupIn, perGroupOut) = ((int)shape[1], (int)(shape[0] / convGroups));
            foreach (var j in removed)
            {
                for (var g = 0; g < convGroups; g++)
                {
                    // Weight column j of conv group g reads input channel g·(in/groups) + j; a Gemm column reads feature j.
                    var channel = g * perGroupIn + j;
                    if (Constant(x, xShape, channel, acrossPositions: isConv) is not { } c)
                    {
                        varying++;
                        continue;
                    }

                    if (c == 0) continue;
                    foldedChannels++;
                    for (var o = g * perGroupOut; o < (g + 1) * perGroupOut; o++) delta[o] += c * Column(w, shape, j, o).Sum(v => (double)v);
                }
            }

            if (varying > 0)
            {
                folds.Add(new ConstantFold(node.Name, FoldKind.NotConstant, varying,
                    $"{varying} removed input channel(s) of '{node.Name}' still carried input-dependent values; the output changes"));
            }

            if (foldedChannels == 0) continue;
            var padded = isConv && node.AttributesAs<ConvAttributes>().Padding is not (0, 0);
            var kind = padded ? FoldKind.InteriorOnly : FoldKind.Exact;
            if (node.TensorName(TensorRole.Bias) is { } bias)
            {
                Add(graph, folded, bias, delta, 1);
                folds.Add(new ConstantFold(node.Name, kind, foldedChannels, $"folded into '{bias}'{(padded ? " (exact away from the zero-padded border)" : "")}"));
            }
            else if (graph.Consumers(node.Output) is [{ Op: OpKind.BatchNorm } bn])
            {
                var mean = bn.TensorName(TensorRole.RunningMean)!;
                Add(graph, folded, mean, delta, -1);
                folds.Add(new ConstantFold(node.Name, kind, foldedChannels, $"folded into '{mean}' of the BatchNorm after it{(padded ? " (exact away from the zero-padded border)" : "")}"));
            }
            else
            {
                folds.Add(new ConstantFold(node.Name, FoldKind.Dropped, foldedChannels,
                    $"'{node.Name}' has no bias and no BatchNorm after it; the constant contribution of {foldedChannels} removed channel(s) is dropped"));
            }
        }

        return folds;
    }

    // The weights of column j (all of them, or those of output row o): a conv's kh·kw taps, a Gemm's single entry.
    private static IEnumerable<float> Column(float[] w, long[] shape, int j, int? row = null)
    {
        var taps = (int)(shape.Length == 4 ? shape[2] * shape[3] : 1);
        var rowLength = (int)shape[1] * taps;
        var (from, to) = row is { } r ? (r, r + 1) : (0, (int)shape[0]);
        for (var o = from; o < to; o++)
        {
            for (var t = 0; t < taps; t++) yield return w[o * rowLength + j * taps + t];
        }
    }

    // The value channel c takes in every probe (and, for a conv input, at every position), or null when it varies.
    private static double? Constant(float[][] probes, long[] shape, int channel, bool acrossPositions)
    {
        var (n, c) = ((int)shape[0], (int)shape[1]);
        var positions = (int)(ChannelMap.Product(shape) / n / c);
        if (!acrossPositions && positions != 1) return null;
        var first = probes[0][channel * positions];
        foreach (var p in probes)
        {
            for (var s = 0; s < n; s++)
            {
                for (var i = 0; i < positions; i++)
                {
                    if (p[(s * c + channel) * positions + i] != first) return null;
                }
            }
        }

        return first;
    }

    private static void Add(ModelGraph graph, Dictionary<string, Tensor> folded, string name, double[] delta, double sign)
    {
        var current = folded.GetValueOrDefault(name) ?? graph.GetTensor(name).Detach();
        var d = Tensor.FromArray(delta.Select(v => (float)(sign * v)).ToArray());
        folded[name] = current.Add(d);
    }

    // Two eval-mode passes on random normal inputs of the graph's input shape, capturing the consumers' inputs.
    private static List<Dictionary<string, (float[] Values, long[] Shape)>> Probe(ModelGraph graph, IReadOnlySet<string> values, int seed)
    {
        var random = new Random(seed);
        var training = graph.Training;
        graph.Training = false;
        try
        {
            var result = new List<Dictionary<string, (float[] Values, long[] Shape)>>();
            for (var run = 0; run < 2; run++)
            {
                var shape = graph.InputShape;
                var data = new float[ChannelMap.Product(shape)];
                for (var i = 0; i < data.Length; i++)
                {
                    // Box–Muller: a standard normal from two uniforms.
                    data[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
                }

                using var forward = graph.Forward(Tensor.FromArray(data, shape), values);
                result.Add(values.ToDictionary(v => v, v => (forward.Captured[v].ToArray<float>(), forward.Captured[v].Shape), StringComparer.Ordinal));
            }

            return result;
        }
        finally
        {
            graph.Training = training;
        }
    }
}
