using Toolchain.Graph;

namespace Toolchain.Pruning;

/// <summary>Gemm (Linear): input features are weight axis 1, output features (weight axis 0, bias) are new channels.
/// After a flatten each input channel owns a block of H·W features, which the channel map already spells out.</summary>
internal sealed class GemmRule : IChannelRule
{
    public static GemmRule Instance { get; } = new();

    public void Trace(Node node, TraceContext context)
    {
        var features = context.Shape(node.Inputs[0])[1];
        context.Bind(node, TensorRole.Weight, 1, context.Input(node).Line(0, features));
        var output = context.Fresh(node).Line(0, context.Shape(node.Output)[1]);
        context.Bind(node, TensorRole.Weight, 0, output);
        context.Bind(node, TensorRole.Bias, 0, output);
    }

    public OpAttributes Rewrite(Node node, RewriteContext context) => node.Attributes;
}
