using Onnx;
using Toolchain.Graph;

namespace Toolchain.Onnx.Import.Converters;

/// <summary>HardSigmoid max(0, min(1, αx + β)) in PyTorch's form (α = 1/6, β = 0.5), the only one the IR has.</summary>
internal static class HardSigmoidConverter
{
    public static void Convert(ImportContext context, NodeProto node)
    {
        var a = new NodeAttributes(node, "alpha", "beta");
        // ONNX's defaults (0.2, 0.5) are not PyTorch's; exporters of nn.Hardsigmoid write alpha explicitly.
        var alpha = a.Float("alpha", 0.2);
        var beta = a.Float("beta", 0.5);
        if (Math.Abs(alpha - 1.0 / 6) > 1e-6 || Math.Abs(beta - 0.5) > 1e-6)
        {
            throw new NotSupportedException($"alpha={alpha}, beta={beta} is not supported; only PyTorch's hardsigmoid (alpha=1/6, beta=0.5) is");
        }

        context.EmitSingle(node, OpKind.HardSigmoid, [context.Activation(node, 0)], NoAttributes.Instance);
    }
}
