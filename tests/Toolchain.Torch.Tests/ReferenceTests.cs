using Toolchain.TestSupport;
using Toolchain.Torch.Optim;
using F = Toolchain.Torch.Functional;

namespace Toolchain.Torch.Tests;

/// <summary>
/// Forward values and gradients against PyTorch 1.13 (Debian's python3-torch) on identical inputs:
/// agreement within 1e-5 relative, as the engine's acceptance requires.
/// </summary>
public sealed class ReferenceTests
{
    private const string Script = "reference/torch_reference.py";
    private const double Rtol = 1e-5;
    private const double Atol = 1e-6;

    public ReferenceTests() => Libtorch.ManualSeed(1234);

    [Theory]
    [InlineData(8, 16, 3, 1, 1, 1, 1, true)]    // plain 3x3
    [InlineData(8, 16, 3, 2, 1, 1, 1, false)]   // strided, no bias
    [InlineData(8, 16, 3, 1, 2, 2, 1, true)]    // dilated
    [InlineData(8, 16, 3, 1, 1, 1, 4, true)]    // grouped
    [InlineData(16, 16, 3, 2, 1, 1, 16, true)]  // depthwise, strided
    [InlineData(16, 32, 1, 1, 0, 1, 1, false)]  // pointwise
    public void Conv2d_ForwardAndBackward_MatchesPyTorch(int cin, int cout, int k, int stride, int padding, int dilation, int groups, bool bias)
    {
        using var scope = DisposeScope.Enter();
        var x = Tensor.RandN([2, cin, 11, 11]);
        var w = Tensor.RandN([cout, cin / groups, k, k]);
        var b = bias ? Tensor.RandN([cout]) : null;
        var (xl, wl) = (Leaf(x), Leaf(w));
        var bl = b is null ? null : Leaf(b);
        var y = F.Conv2d(xl, wl, bl, stride, padding, dilation, groups);
        var dy = Tensor.RandN(y.Shape);
        y.Backward(dy);

        var inputs = new Dictionary<string, Tensor> { ["x"] = x, ["w"] = w, ["dy"] = dy };
        if (b is not null) inputs["b"] = b;
        var expected = Oracle("conv2d", inputs, ("stride", stride), ("padding", padding), ("dilation", dilation), ("groups", groups));

        Close(expected["y"], y, "y");
        Close(expected["dx"], xl.Grad!, "dx");
        Close(expected["dw"], wl.Grad!, "dw");
        if (bl is not null) Close(expected["db"], bl.Grad!, "db");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BatchNorm_TrainAndEval_MatchesPyTorchIncludingRunningStats(bool training)
    {
        using var scope = DisposeScope.Enter();
        var x = Tensor.RandN([4, 6, 5, 5], mean: 0.5, std: 2);
        var weight = Tensor.Rand([6], 0.5, 1.5);
        var bias = Tensor.RandN([6]);
        var runningMean = Tensor.RandN([6]);
        var runningVar = Tensor.Rand([6], 0.5, 2);
        var dy = Tensor.RandN([4, 6, 5, 5]);
        var (xl, wl, bl) = (Leaf(x), Leaf(weight), Leaf(bias));
        var rm = runningMean.Clone();
        var rv = runningVar.Clone();
        var y = F.BatchNorm(xl, rm, rv, wl, bl, training, momentum: 0.1, eps: 1e-5);
        y.Backward(dy);

        var expected = Oracle("batch_norm",
            new Dictionary<string, Tensor> { ["x"] = x, ["weight"] = weight, ["bias"] = bias, ["running_mean"] = runningMean, ["running_var"] = runningVar, ["dy"] = dy },
            ("training", training ? "true" : "false"), ("momentum", 0.1), ("eps", 1e-5));

        Close(expected["y"], y, "y");
        Close(expected["dx"], xl.Grad!, "dx");
        Close(expected["dweight"], wl.Grad!, "dweight");
        Close(expected["dbias"], bl.Grad!, "dbias");
        Close(expected["running_mean"], rm, "running_mean");
        Close(expected["running_var"], rv, "running_var");
    }

    [Fact]
    public void Linear_ForwardAndBackward_MatchesPyTorch()
    {
        using var scope = DisposeScope.Enter();
        var x = Tensor.RandN([7, 20]);
        var w = Tensor.RandN([10, 20]);
        var b = Tensor.RandN([10]);
        var (xl, wl, bl) = (Leaf(x), Leaf(w), Leaf(b));
        var y = F.Linear(xl, wl, bl);
        var dy = Tensor.RandN([7, 10]);
        y.Backward(dy);

        var expected = Oracle("linear", new Dictionary<string, Tensor> { ["x"] = x, ["w"] = w, ["b"] = b, ["dy"] = dy });
        Close(expected["y"], y, "y");
        Close(expected["dx"], xl.Grad!, "dx");
        Close(expected["dw"], wl.Grad!, "dw");
        Close(expected["db"], bl.Grad!, "db");
    }

    [Fact]
    public void Pools_ForwardAndBackward_MatchPyTorch()
    {
        using var scope = DisposeScope.Enter();
        var x = Tensor.RandN([2, 3, 9, 9]);
        var scale = Tensor.Scalar(0.7);
        var ours = new Dictionary<string, Func<Tensor, Tensor>>
        {
            ["max"] = t => F.MaxPool2d(t, 3, 2, 1),
            ["max_ceil"] = t => F.MaxPool2d(t, 2, 2, ceilMode: true),
            ["avg"] = t => F.AvgPool2d(t, 3, 2, 1),
            ["avg_nopad"] = t => F.AvgPool2d(t, 3, 2, 1, countIncludePad: false),
            ["adaptive"] = t => F.AdaptiveAvgPool2d(t, 1, 1),
            ["adaptive3"] = t => F.AdaptiveAvgPool2d(t, 3, 3),
        };
        var expected = Oracle("pools", new Dictionary<string, Tensor> { ["x"] = x, ["scale"] = scale });
        foreach (var (name, fn) in ours)
        {
            var xl = Leaf(x);
            var y = fn(xl);
            using var ones = Tensor.Ones(y.Shape);
            y.Backward(ones * 0.7);
            Close(expected[name + "_y"], y, name + " y");
            Close(expected[name + "_dx"], xl.Grad!, name + " dx");
        }
    }

    [Fact]
    public void CrossEntropy_WithAndWithoutLabelSmoothing_MatchesPyTorch()
    {
        using var scope = DisposeScope.Enter();
        var logits = Tensor.RandN([16, 10], std: 3);
        var target = Tensor.RandInt([16], 0, 10);
        var expected = Oracle("cross_entropy", new Dictionary<string, Tensor> { ["logits"] = logits, ["target"] = target });
        foreach (var smoothing in new[] { 0.0, 0.1 })
        {
            foreach (var (reduction, name) in new[] { (Reduction.Mean, "mean"), (Reduction.Sum, "sum"), (Reduction.None, "none") })
            {
                var l = Leaf(logits);
                var loss = F.CrossEntropy(l, target, smoothing, reduction);
                loss.Sum().Backward();
                var key = $"{name}_{smoothing:0.0}";
                Close(expected["loss_" + key], loss, "loss " + key);
                Close(expected["dlogits_" + key], l.Grad!, "dlogits " + key);
            }
        }
    }

    [Fact]
    public void Activations_ForwardAndBackward_MatchPyTorch()
    {
        using var scope = DisposeScope.Enter();
        var x = Tensor.RandN([4, 12], std: 4);
        var dy = Tensor.RandN([4, 12]);
        var ours = new Dictionary<string, Func<Tensor, Tensor>>
        {
            ["relu"] = t => t.Relu(),
            ["relu6"] = t => t.Relu6(),
            ["hardswish"] = t => t.HardSwish(),
            ["hardsigmoid"] = t => t.HardSigmoid(),
            ["silu"] = t => t.Silu(),
            ["sigmoid"] = t => t.Sigmoid(),
            ["tanh"] = t => t.Tanh(),
            ["log_softmax"] = t => F.LogSoftmax(t, 1),
            ["softmax"] = t => F.Softmax(t, 1),
        };
        var expected = Oracle("activations", new Dictionary<string, Tensor> { ["x"] = x, ["dy"] = dy });
        foreach (var (name, fn) in ours)
        {
            var xl = Leaf(x);
            var y = fn(xl);
            y.Backward(dy);
            Close(expected[name + "_y"], y, name + " y");
            Close(expected[name + "_dx"], xl.Grad!, name + " dx");
        }
    }

    [Theory]
    [InlineData(0.9, 5e-4, false, 0.0)]
    [InlineData(0.9, 0.0, true, 0.0)]
    [InlineData(0.5, 1e-3, false, 0.1)]
    public void SgdMomentum_Steps_MatchPyTorch(double momentum, double weightDecay, bool nesterov, double dampening)
    {
        using var scope = DisposeScope.Enter();
        const int steps = 3;
        var (w, grads) = StepInputs(steps);
        using var p = new Parameter("w", w.Clone());
        using var sgd = new Sgd([p], learningRate: 0.1, momentum, weightDecay, nesterov, dampening);
        var ours = RunSteps(sgd, p, grads);
        var inputs = StepDictionary(w, grads);
        var expected = Oracle("sgd", inputs, ("steps", steps), ("lr", 0.1), ("momentum", momentum), ("weight_decay", weightDecay),
            ("nesterov", nesterov ? "true" : "false"), ("dampening", dampening));
        for (var i = 0; i < steps; i++) Close(expected[$"w{i}"], ours[i], $"w after step {i + 1}");
    }

    [Fact]
    public void AdamW_Steps_MatchPyTorch()
    {
        using var scope = DisposeScope.Enter();
        const int steps = 4;
        var (w, grads) = StepInputs(steps);
        using var p = new Parameter("w", w.Clone());
        using var adamw = new AdamW([p], learningRate: 1e-2, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.05);
        var ours = RunSteps(adamw, p, grads);
        var expected = Oracle("adamw", StepDictionary(w, grads), ("steps", steps), ("lr", 1e-2), ("beta1", 0.9), ("beta2", 0.99),
            ("eps", 1e-8), ("weight_decay", 0.05));
        for (var i = 0; i < steps; i++) Close(expected[$"w{i}"], ours[i], $"w after step {i + 1}");
    }

    private static (Tensor W, Tensor[] Grads) StepInputs(int steps) =>
        (Tensor.RandN([6, 3, 3, 3]), Enumerable.Range(0, steps).Select(_ => Tensor.RandN([6, 3, 3, 3])).ToArray());

    private static Dictionary<string, Tensor> StepDictionary(Tensor w, Tensor[] grads)
    {
        var d = new Dictionary<string, Tensor> { ["w"] = w };
        for (var i = 0; i < grads.Length; i++) d[$"g{i}"] = grads[i];
        return d;
    }

    private static List<Tensor> RunSteps(Optimizer optimizer, Parameter p, Tensor[] grads)
    {
        var snapshots = new List<Tensor>();
        foreach (var g in grads)
        {
            optimizer.ZeroGrad();
            p.Value.Grad = g.Clone();
            optimizer.Step();
            snapshots.Add(p.Value.Detach().Clone());
        }

        return snapshots;
    }

    private static Tensor Leaf(Tensor t)
    {
        var leaf = t.Clone();
        leaf.RequiresGrad = true;
        return leaf;
    }

    private static void Close(Tensor expected, Tensor actual, string what) => TensorAssert.Close(expected, actual, Rtol, Atol, what);

    private static Dictionary<string, Tensor> Oracle(string caseName, Dictionary<string, Tensor> inputs, params (string Key, object Value)[] options)
    {
        var meta = options.ToDictionary(o => o.Key, o => Convert.ToString(o.Value, System.Globalization.CultureInfo.InvariantCulture)!);
        var outputs = PythonOracle.Run(Script, caseName, inputs, meta);
        // Hand the outputs to the test's scope so they are freed with everything else.
        foreach (var t in outputs.Values) DisposeScope.Current!.Own(t);
        return outputs;
    }
}
