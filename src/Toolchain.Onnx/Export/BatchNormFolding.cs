using Toolchain.Graph;

namespace Toolchain.Onnx.Export;

/// <summary>
/// Folds an inference BatchNorm into the Conv before it: with s = γ/√(σ²+ε) per output channel,
/// w' = w·s and b' = (b − μ)·s + β. The arithmetic is done in float64 and stored as float32; the graph's own
/// tensors are only read.
/// </summary>
internal sealed class BatchNormFolding
{
    private readonly Dictionary<string, Node> _batchNormOfConv = new(StringComparer.Ordinal);
    private readonly HashSet<string> _foldedBatchNorms = new(StringComparer.Ordinal);

    public static BatchNormFolding None { get; } = new();

    /// <summary>
    /// Every BatchNorm whose input is a Conv output that nothing else reads (and that is not the graph's output).
    /// </summary>
    public static BatchNormFolding Plan(ModelGraph graph)
    {
        var plan = new BatchNormFolding();
        foreach (var bn in graph.Nodes.Where(n => n.Op == OpKind.BatchNorm))
        {
            var conv = graph.Producer(bn.Inputs[0]);
            if (conv is not { Op: OpKind.Conv } || graph.IsOutput(conv.Output) || graph.Consumers(conv.Output).Count != 1) continue;
            plan._batchNormOfConv[conv.Name] = bn;
            plan._foldedBatchNorms.Add(bn.Name);
        }

        return plan;
    }

    public int Count => _foldedBatchNorms.Count;

    /// <summary>Whether <paramref name="node"/> is a BatchNorm folded into its Conv (and so written nowhere).</summary>
    public bool IsFoldedAway(Node node) => _foldedBatchNorms.Contains(node.Name);

    /// <summary>The BatchNorm folded into <paramref name="conv"/>, if any.</summary>
    public bool TryGetBatchNorm(Node conv, out Node batchNorm) => _batchNormOfConv.TryGetValue(conv.Name, out batchNorm!);

    /// <summary>
    /// Writes <paramref name="conv"/> with <paramref name="bn"/> folded in. It produces the BatchNorm's output value,
    /// so the BatchNorm's readers stay wired; its weight and bias keep the conv's names ("{conv}.bias" when it had none).
    /// </summary>
    public static void ExportConv(Node conv, Node bn, ExportContext cx)
    {
        var weight = cx.ReadFloats(conv, TensorRole.Weight);
        var shape = cx.Graph.GetTensor(conv.TensorName(TensorRole.Weight)!).Shape;
        var gamma = cx.ReadFloats(bn, TensorRole.Weight);
        var beta = cx.ReadFloats(bn, TensorRole.Bias);
        var mean = cx.ReadFloats(bn, TensorRole.RunningMean);
        var variance = cx.ReadFloats(bn, TensorRole.RunningVar);
        var bias = conv.TensorName(TensorRole.Bias) is null ? new float[shape[0]] : cx.ReadFloats(conv, TensorRole.Bias);
        var epsilon = bn.AttributesAs<BatchNormAttributes>().Epsilon;

        var outChannels = (int)shape[0];
        if (new[] { gamma, beta, mean, variance, bias }.Any(v => v.Length != outChannels))
        {
            throw new OnnxExportException(bn.Name, bn.Op, $"its {gamma.Length} channels do not match the {outChannels} output channels of conv '{conv.Name}'");
        }

        var perChannel = weight.Length / outChannels;
        var foldedWeight = new float[weight.Length];
        var foldedBias = new float[outChannels];
        for (var o = 0; o < outChannels; o++)
        {
            var scale = gamma[o] / Math.Sqrt((double)variance[o] + epsilon);
            for (var j = o * perChannel; j < (o + 1) * perChannel; j++) foldedWeight[j] = (float)(weight[j] * scale);
            foldedBias[o] = (float)((bias[o] - (double)mean[o]) * scale + beta[o]);
        }

        var weightName = cx.Float(conv.TensorName(TensorRole.Weight)!, foldedWeight, shape);
        var biasName = cx.Float(conv.TensorName(TensorRole.Bias) ?? $"{conv.Name}.bias", foldedBias, [outChannels]);
        var node = cx.AddNode("Conv", conv.Name, [cx.Value(conv.Inputs[0]), weightName, biasName], bn.Outputs,
            OpExporters.ConvAttributes(conv.AttributesAs<ConvAttributes>()));
        node.DocString = $"BatchNorm '{bn.Name}' folded in (epsilon {epsilon})";
    }
}
