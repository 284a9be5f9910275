using Toolchain.TestSupport;
using Toolchain.Graph;

namespace Toolchain.Pruning.Tests;

/// <summary>Small graphs, one per coupling pattern pruning must get right, built as the zoo models lay them out.</summary>
internal static class TopologyZoo
{
    public static readonly string[] Names =
        ["residual", "projection", "concat", "split", "depthwise", "grouped", "flatten_linear", "squeeze_excite", "shuffle", "mixed"];

    public static ModelGraph Create(string name) => name switch
    {
        "residual" => Residual(),
        "projection" => Projection(),
        "concat" => Concat(),
        "split" => Split(),
        "depthwise" => Depthwise(),
        "grouped" => Grouped(),
        "flatten_linear" => FlattenLinear(),
        "squeeze_excite" => SqueezeExcite(),
        "shuffle" => Shuffle(),
        "mixed" => GraphFixtures.MixedTopology("mixed", seed: 10),
        _ => throw new ArgumentException($"no topology '{name}'"),
    };

    private static string Head(GraphBuilder b, string x, int classes = 3)
    {
        x = b.GlobalAveragePool(x, "pool");
        x = b.Flatten(x, name: "flatten");
        return b.Linear(x, classes, name: "fc");
    }

    private static string ConvBnRelu(GraphBuilder b, string x, int channels, string name, int kernel = 3, int stride = 1, int groups = 1, bool bias = false)
    {
        x = b.Conv(x, channels, kernel, stride, (kernel - 1) / 2, groups: groups, bias: bias, name: name);
        x = b.BatchNorm(x, $"{name}_bn");
        return b.Relu(x, $"{name}_relu");
    }

    // stem → [conv1 → conv2] + stem → head: stem and conv2 share the residual group.
    private static ModelGraph Residual()
    {
        using var b = new GraphBuilder("residual", [2, 3, 8, 8], seed: 1);
        var x = ConvBnRelu(b, b.Input, 8, "stem", bias: true);
        var y = ConvBnRelu(b, x, 6, "conv1");
        y = b.Conv(y, 8, 3, padding: 1, bias: false, name: "conv2");
        y = b.BatchNorm(y, "conv2_bn");
        y = b.Add(y, x, "add");
        y = b.Relu(y, "add_relu");
        y = ConvBnRelu(b, y, 5, "head", kernel: 1);
        b.Output(Head(b, y));
        return b.Build();
    }

    // A strided block whose shortcut is a 1×1 conv: conv2 and the projection share a group; the stem does not.
    private static ModelGraph Projection()
    {
        using var b = new GraphBuilder("projection", [2, 3, 8, 8], seed: 2);
        var x = ConvBnRelu(b, b.Input, 8, "stem");
        var y = ConvBnRelu(b, x, 12, "conv1", stride: 2);
        y = b.Conv(y, 12, 3, padding: 1, bias: false, name: "conv2");
        y = b.BatchNorm(y, "conv2_bn");
        var s = b.Conv(x, 12, 1, stride: 2, bias: false, name: "down");
        s = b.BatchNorm(s, "down_bn");
        y = b.Relu(b.Add(y, s, "add"), "add_relu");
        b.Output(Head(b, y));
        return b.Build();
    }

    // Two branches concatenated: each keeps its own group at its offset in the concat.
    private static ModelGraph Concat()
    {
        using var b = new GraphBuilder("concat", [2, 3, 8, 8], seed: 3);
        var x = ConvBnRelu(b, b.Input, 8, "stem");
        var l = b.Relu(b.Conv(x, 4, 1, name: "a"), "a_relu");
        var r = b.Relu(b.Conv(x, 6, 3, padding: 1, name: "b"), "b_relu");
        var c = b.Concat([l, r], name: "cat");
        b.Output(Head(b, ConvBnRelu(b, c, 5, "mix", kernel: 1)));
        return b.Build();
    }

    // The stem's channels split 3 + 5 into two convs whose outputs are added.
    private static ModelGraph Split()
    {
        using var b = new GraphBuilder("split", [2, 3, 8, 8], seed: 4);
        var x = ConvBnRelu(b, b.Input, 8, "stem");
        var parts = b.Split(x, [3, 5], name: "split");
        var l = b.Conv(parts[0], 4, 3, padding: 1, name: "left");
        var r = b.Conv(parts[1], 4, 3, padding: 1, name: "right");
        b.Output(Head(b, b.Relu(b.Add(l, r, "add"), "add_relu")));
        return b.Build();
    }

    // MobileNet's inverted residual without the residual: expand, depthwise, project.
    private static ModelGraph Depthwise()
    {
        using var b = new GraphBuilder("depthwise", [2, 3, 8, 8], seed: 5);
        var x = ConvBnRelu(b, b.Input, 8, "expand", kernel: 1);
        x = ConvBnRelu(b, x, 8, "dw", groups: 8);
        x = b.BatchNorm(b.Conv(x, 6, 1, bias: false, name: "project"), "project_bn");
        b.Output(Head(b, x));
        return b.Build();
    }

    // A conv with 4 groups of 2 inputs and 3 outputs each: every group keeps the same width.
    private static ModelGraph Grouped()
    {
        using var b = new GraphBuilder("grouped", [2, 3, 8, 8], seed: 6);
        var x = ConvBnRelu(b, b.Input, 8, "stem");
        x = ConvBnRelu(b, x, 12, "gconv", groups: 4, bias: true);
        b.Output(Head(b, ConvBnRelu(b, x, 6, "after", kernel: 1)));
        return b.Build();
    }

    // VGG's classifier: each conv channel owns a 4×4 block of fc1's input features.
    private static ModelGraph FlattenLinear()
    {
        using var b = new GraphBuilder("flatten_linear", [2, 3, 8, 8], seed: 7);
        var x = ConvBnRelu(b, b.Input, 6, "conv", bias: true);
        x = b.MaxPool(x, 2, name: "maxpool");
        x = b.Flatten(x, name: "flatten");
        x = b.Relu(b.Linear(x, 10, name: "fc1"), "fc1_relu");
        x = b.Dropout(x, 0.5, "drop");
        b.Output(b.Linear(x, 3, name: "fc2"));
        return b.Build();
    }

    // Squeeze-excite: the gate [N, C, 1, 1] multiplies the features [N, C, H, W], coupling se_expand with conv.
    private static ModelGraph SqueezeExcite()
    {
        using var b = new GraphBuilder("squeeze_excite", [2, 3, 8, 8], seed: 8);
        var x = ConvBnRelu(b, b.Input, 8, "conv");
        var s = b.GlobalAveragePool(x, "se_pool");
        s = b.Relu(b.Conv(s, 4, 1, name: "se_reduce"), "se_relu");
        s = b.HardSigmoid(b.Conv(s, 8, 1, name: "se_expand"), "se_gate");
        x = b.Mul(x, s, "se_mul");
        b.Output(Head(b, ConvBnRelu(b, x, 5, "out", kernel: 1)));
        return b.Build();
    }

    // ShuffleNet's channel shuffle after a grouped conv: reshape [N, 2, 4, H, W], swap, reshape back.
    private static ModelGraph Shuffle()
    {
        using var b = new GraphBuilder("shuffle", [2, 3, 8, 8], seed: 9);
        var x = ConvBnRelu(b, b.Input, 8, "stem");
        x = ConvBnRelu(b, x, 8, "gconv", kernel: 1, groups: 2);
        x = b.Reshape(x, [0, 2, 4, 8, 8], "shuffle_split");
        x = b.Transpose(x, [0, 2, 1, 3, 4], "shuffle_swap");
        x = b.Reshape(x, [0, 8, 8, 8], "shuffle_merge");
        b.Output(Head(b, ConvBnRelu(b, x, 6, "after", kernel: 1)));
        return b.Build();
    }
}
