using Toolchain.Graph;

namespace Toolchain.Pruning;

/// <summary>
/// Conv: output filters (weight axis 0, bias) are new channels; input channels are weight axis 1. Grouped convs:
/// <list type="bullet">
/// <item>depthwise (groups = input channels, any multiplier m = out/in): input channel c and its m filters are one
/// channel, so pruning removes whole conv groups and rewrites <see cref="ConvAttributes.Groups"/>;</item>
/// <item>other grouped convs (a = in/groups > 1): every conv group must keep the same width, so input position j
/// of all groups is one channel (weight axis 1 position j) and output position j of all groups is one channel;
/// groups stays.</item>
/// </list>
/// </summary>
internal sealed class ConvRule : IChannelRule
{
    public static ConvRule Instance { get; } = new();

    public void Trace(Node node, TraceContext context)
    {
        var a = node.AttributesAs<ConvAttributes>();
        var x = context.Input(node);
        var inChannels = context.Shape(node.Inputs[0])[1];
        var outChannels = context.Shape(node.Output)[1];
        if (!x.ChannelsFirstOnly)
        {
            // The input's channels are spread over more than one dimension (e.g. after a reshape): keep them whole,
            // and a grouped conv's filters with them (their count is tied to the input's).
            const string why = "reads channels laid out over more than one dimension";
            if (a.Groups != 1)
            {
                context.Barrier(node, why);
                return;
            }

            context.Fix(x, $"{TraceContext.Describe(node)} {why}");
            BindOutput(node, context, context.Fresh(node));
            return;
        }

        var input = x.Line(0, inChannels);
        if (a.Groups == 1)
        {
            context.Bind(node, TensorRole.Weight, 1, input);
            BindOutput(node, context, context.Fresh(node));
        }
        else if (a.Groups == inChannels)
        {
            var multiplier = (int)(outChannels / inChannels);
            var ids = new int[outChannels];
            for (var o = 0; o < outChannels; o++) ids[o] = input[o / multiplier];
            BindOutput(node, context, context.Output(node, 0, context.ChannelsFirst(node.Output, ids)));
        }
        else
        {
            var perGroupIn = (int)(inChannels / a.Groups);
            var perGroupOut = (int)(outChannels / a.Groups);
            for (var i = perGroupIn; i < inChannels; i++) context.Union(input[i], input[i % perGroupIn]);
            context.Bind(node, TensorRole.Weight, 1, input[..perGroupIn]);
            var fresh = Enumerable.Range(0, perGroupOut).Select(_ => context.Elements.Add()).ToArray();
            var ids = Enumerable.Range(0, (int)outChannels).Select(o => fresh[o % perGroupOut]).ToArray();
            BindOutput(node, context, context.Output(node, 0, context.ChannelsFirst(node.Output, ids)));
        }
    }

    private static void BindOutput(Node node, TraceContext context, ChannelMap output)
    {
        var ids = output.Line(0, context.Shape(node.Output)[1]);
        context.Bind(node, TensorRole.Weight, 0, ids);
        context.Bind(node, TensorRole.Bias, 0, ids);
    }

    public OpAttributes Rewrite(Node node, RewriteContext context)
    {
        var a = node.AttributesAs<ConvAttributes>();
        var inChannels = context.OldShape(node.Inputs[0])[1];
        if (a.Groups == 1 || a.Groups != inChannels) return a;
        var groups = (int)context.NewExtent(node.Inputs[0], 1);
        return groups == a.Groups ? a : a with { Groups = groups };
    }
}
