using Toolchain.Torch;
using F = Toolchain.Torch.Functional;

namespace Toolchain.Graph.Execution;

/// <summary>Runs one node: reads its inputs from value slots and writes its outputs to value slots.</summary>
internal delegate void Kernel(Tensor?[] slots, bool training);

/// <summary>
/// Turns a node into a <see cref="Kernel"/> once, when the plan is built: attributes are unpacked and slot indices
/// resolved then, so a forward pass does no lookups. Parameters are read through their <see cref="Parameter"/>
/// at run time, so replacing a parameter's value needs no recompilation.
/// </summary>
internal static class OpKernels
{
    public static Kernel Compile(Node node, int[] inputs, int[] outputs, Func<string, Func<Tensor>> tensor)
    {
        var i0 = inputs[0];
        var o0 = outputs[0];
        Func<Tensor>? Optional(TensorRole role) => node.TensorName(role) is { } name ? tensor(name) : null;
        Func<Tensor> Required(TensorRole role) => tensor(node.TensorName(role)!);

        // One kernel per op; the switch expression has no default arm, so a new op does not compile until it can run.
        return node.Op switch
        {
            OpKind.Conv => Conv(),
            OpKind.BatchNorm => BatchNorm(),
            OpKind.Relu => (s, _) => s[o0] = s[i0]!.Relu(),
            OpKind.Relu6 => (s, _) => s[o0] = s[i0]!.Relu6(),
            OpKind.Clip => Clip(),
            OpKind.HardSwish => (s, _) => s[o0] = s[i0]!.HardSwish(),
            OpKind.HardSigmoid => (s, _) => s[o0] = s[i0]!.HardSigmoid(),
            OpKind.Sigmoid => (s, _) => s[o0] = s[i0]!.Sigmoid(),
            OpKind.SiLU => (s, _) => s[o0] = s[i0]!.Silu(),
            OpKind.Gelu => (s, _) => s[o0] = s[i0]!.Gelu(),
            OpKind.Add => Add(),
            OpKind.Mul => Mul(),
            OpKind.Concat => Concat(),
            OpKind.Split => Split(),
            OpKind.Slice => Slice(),
            OpKind.MaxPool => MaxPool(),
            OpKind.AveragePool => AveragePool(),
            OpKind.GlobalAveragePool => (s, _) => s[o0] = F.AdaptiveAvgPool2d(s[i0]!, 1, 1),
            OpKind.Flatten => Flatten(),
            OpKind.Reshape => Reshape(),
            OpKind.Transpose => Transpose(),
            OpKind.Gemm => Gemm(),
            OpKind.Dropout => Dropout(),
            OpKind.Identity => (s, _) => s[o0] = s[i0]!.Alias(),
            OpKind.Pad => Pad(),
            OpKind.ReduceMean => ReduceMean(),
            OpKind.LayerNorm => LayerNorm(),
            OpKind.Resize => Resize(),
        };

        Kernel Resize()
        {
            var a = node.AttributesAs<ResizeAttributes>();
            var bilinear = a.Mode == ResizeMode.Bilinear;
            return (s, _) =>
            {
                var x = s[i0]!;
                s[o0] = F.Interpolate(x, a.OutputSize(x.Size(2), x.Size(3)), bilinear, a.AlignCorners, a.Scales);
            };
        }

        Kernel Conv()
        {
            var a = node.AttributesAs<ConvAttributes>();
            var weight = Required(TensorRole.Weight);
            var bias = Optional(TensorRole.Bias);
            return (s, _) => s[o0] = F.Conv2d(s[i0]!, weight(), bias?.Invoke(), a.Stride, a.Padding, a.Dilation, a.Groups);
        }

        Kernel BatchNorm()
        {
            var a = node.AttributesAs<BatchNormAttributes>();
            var (weight, bias) = (Required(TensorRole.Weight), Required(TensorRole.Bias));
            var (mean, variance) = (Required(TensorRole.RunningMean), Required(TensorRole.RunningVar));
            return (s, training) => s[o0] = F.BatchNorm(s[i0]!, mean(), variance(), weight(), bias(), training, a.Momentum, a.Epsilon);
        }

        Kernel LayerNorm()
        {
            var epsilon = node.AttributesAs<LayerNormAttributes>().Epsilon;
            var (weight, bias) = (Required(TensorRole.Weight), Required(TensorRole.Bias));
            return (s, _) =>
            {
                // Over dimension 1 at each position, biased variance, as F.layer_norm over the last dimension in NHWC.
                using var scope = DisposeScope.Enter();
                var x = s[i0]!;
                var shape = Enumerable.Repeat(1L, x.NDim).ToArray();
                shape[1] = -1;
                var centred = x - x.Mean([1], keepDim: true);
                var normalised = centred * (centred.Square().Mean([1], keepDim: true) + epsilon).Rsqrt();
                s[o0] = scope.Keep(normalised * weight().View(shape) + bias().View(shape));
            };
        }

        Kernel Clip()
        {
            var a = node.AttributesAs<ClipAttributes>();
            return (s, _) => s[o0] = s[i0]!.Clamp(a.Min, a.Max);
        }

        Kernel Add()
        {
            var i1 = inputs[1];
            return (s, _) => s[o0] = s[i0]!.Add(s[i1]!);
        }

        Kernel Mul()
        {
            var i1 = inputs[1];
            return (s, _) => s[o0] = s[i0]!.Mul(s[i1]!);
        }

        Kernel Concat()
        {
            var axis = node.AttributesAs<ConcatAttributes>().Axis;
            var parts = new Tensor[inputs.Length];
            return (s, _) =>
            {
                for (var i = 0; i < inputs.Length; i++) parts[i] = s[inputs[i]]!;
                s[o0] = Tensor.Cat(parts, axis);
                Array.Clear(parts);
            };
        }

        Kernel Split()
        {
            var a = node.AttributesAs<SplitAttributes>();
            var starts = new long[a.Sizes.Count];
            for (var i = 1; i < starts.Length; i++) starts[i] = starts[i - 1] + a.Sizes[i - 1];
            return (s, _) =>
            {
                for (var i = 0; i < outputs.Length; i++) s[outputs[i]] = s[i0]!.Slice(a.Axis, starts[i], starts[i] + a.Sizes[i]);
            };
        }

        Kernel Slice()
        {
            var a = node.AttributesAs<SliceAttributes>();
            return (s, _) =>
            {
                var x = s[i0]!;
                var (start, end) = ShapeInference.SliceBounds(a, x.Size(a.Axis));
                s[o0] = x.Slice(a.Axis, start, end, a.Step);
            };
        }

        Kernel MaxPool()
        {
            var a = node.AttributesAs<PoolAttributes>();
            return (s, _) => s[o0] = F.MaxPool2d(s[i0]!, a.Kernel, a.Stride, a.Padding, 1, a.CeilMode);
        }

        Kernel AveragePool()
        {
            var a = node.AttributesAs<PoolAttributes>();
            return (s, _) => s[o0] = F.AvgPool2d(s[i0]!, a.Kernel, a.Stride, a.Padding, a.CeilMode, a.CountIncludePad);
        }

        Kernel Flatten()
        {
            var axis = node.AttributesAs<FlattenAttributes>().Axis;
            return axis == 1
                ? (s, _) => s[o0] = s[i0]!.Flatten(1)
                : (s, _) =>
                {
                    var x = s[i0]!;
                    var shape = x.Shape;
                    s[o0] = x.Reshape(Shapes.Product(shape, 0, axis), Shapes.Product(shape, axis));
                };
        }

        Kernel Reshape()
        {
            var target = node.AttributesAs<ReshapeAttributes>().Shape;
            return (s, _) =>
            {
                var x = s[i0]!;
                var shape = ShapeInference.Reshape(x.Shape, target) ?? throw new GraphShapeException(
                    node.Name, node.Op, $"input {Shapes.Format(x.Shape)} cannot take shape [{string.Join(", ", target)}]");
                s[o0] = x.Reshape(shape);
            };
        }

        Kernel Transpose()
        {
            var perm = node.AttributesAs<TransposeAttributes>().Permutation.Select(p => (long)p).ToArray();
            return (s, _) => s[o0] = s[i0]!.Permute(perm);
        }

        Kernel Gemm()
        {
            var weight = Required(TensorRole.Weight);
            var bias = Optional(TensorRole.Bias);
            return (s, _) => s[o0] = F.Linear(s[i0]!, weight(), bias?.Invoke());
        }

        Kernel Dropout()
        {
            var p = node.AttributesAs<DropoutAttributes>().Probability;
            return (s, training) => s[o0] = F.Dropout(s[i0]!, p, training);
        }

        Kernel Pad()
        {
            var a = node.AttributesAs<PadAttributes>();
            var padded = Enumerable.Range(0, a.Rank).Where(a.IsPadded).ToArray();
            // A Pad of zeros (PyTorch's average-pool export writes one before every AveragePool) moves no data.
            if (padded.Length == 0) return (s, _) => s[o0] = s[i0]!.Alias();
            return (s, _) => s[o0] = Padding.Apply(s[i0]!, a, padded);
        }

        Kernel ReduceMean()
        {
            var a = node.AttributesAs<ReduceMeanAttributes>();
            var axes = a.Axes.Select(d => (long)d).ToArray();
            return (s, _) => s[o0] = s[i0]!.Mean(axes, a.KeepDims);
        }
    }

    /// <summary>
    /// The in-place form of a Relu or Add: overwrites its first input and moves that tensor to the output slot.
    /// The plan decides when this is safe (see ExecutionPlan.ReusableInput).
    /// </summary>
    public static Kernel CompileInPlace(Node node, int[] inputs, int[] outputs)
    {
        var (i0, o0) = (inputs[0], outputs[0]);
        switch (node.Op)
        {
            case OpKind.Relu:
                return (s, _) => (s[o0], s[i0]) = (s[i0]!.ReluInPlace(), null);
            case OpKind.Add:
            {
                var i1 = inputs[1];
                return (s, _) => (s[o0], s[i0]) = (s[i0]!.AddInPlace(s[i1]!), null);
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(node), node.Op, "only Relu and Add run in place");
        }
    }
}
