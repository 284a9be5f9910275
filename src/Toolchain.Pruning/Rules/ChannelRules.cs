using Toolchain.Graph;

namespace Toolchain.Pruning;

/// <summary>
/// The one table of channel rules: every <see cref="OpKind"/> has exactly one entry. The switch lists each op by
/// name with no default arm, so a new op is a compile error (CS8509, an error in Directory.Build.props) until it gets
/// a rule; an unnamed value throws SwitchExpressionException.
/// </summary>
internal static class ChannelRules
{
    public static IChannelRule For(OpKind op) => op switch
    {
        OpKind.Conv => ConvRule.Instance,
        OpKind.Gemm => GemmRule.Instance,
        OpKind.BatchNorm => BatchNormRule.Instance,
        OpKind.Relu or OpKind.Relu6 or OpKind.Clip or OpKind.HardSwish or OpKind.HardSigmoid or OpKind.Sigmoid
            or OpKind.SiLU or OpKind.Gelu or OpKind.Dropout or OpKind.Identity => ElementwiseRule.Instance,
        OpKind.MaxPool or OpKind.AveragePool or OpKind.GlobalAveragePool => PoolRule.Instance,
        OpKind.Add or OpKind.Mul => BroadcastRule.Instance,
        OpKind.Concat => ConcatRule.Instance,
        OpKind.Split => SplitRule.Instance,
        OpKind.Slice => SliceRule.Instance,
        OpKind.Flatten or OpKind.Reshape => ReshapeRule.Instance,
        OpKind.Transpose => TransposeRule.Instance,
        OpKind.Pad => PadRule.Instance,
        OpKind.ReduceMean => ReduceMeanRule.Instance,
        OpKind.LayerNorm => LayerNormRule.Instance,
        OpKind.Resize => ResizeRule.Instance,
    };
}
