namespace Toolchain.Graph;

/// <summary>
/// Output shapes of every op from its input shapes and its weight shapes. One exhaustive switch holds the rule of
/// each op; every inconsistency throws a <see cref="GraphShapeException"/> naming node, op and shapes.
/// </summary>
public static class ShapeInference
{
    /// <summary>
    /// Shapes of every value of <paramref name="nodes"/> (in topological order) given the graph input's shape and
    /// a lookup of parameter/buffer shapes by name (null when the name is unknown).
    /// </summary>
    public static Dictionary<string, long[]> Infer(IEnumerable<Node> nodes, string inputName, long[] inputShape, Func<string, long[]?> tensorShape)
    {
        var shapes = new Dictionary<string, long[]> { [inputName] = (long[])inputShape.Clone() };
        foreach (var node in nodes)
        {
            var inputs = new long[node.Inputs.Count][];
            for (var i = 0; i < inputs.Length; i++)
            {
                inputs[i] = shapes.TryGetValue(node.Inputs[i], out var s)
                    ? s
                    : throw new GraphShapeException(node.Name, node.Op, $"input '{node.Inputs[i]}' is not produced by an earlier node nor the graph input");
            }

            var outputs = InferNode(node, inputs, tensorShape);
            for (var i = 0; i < outputs.Length; i++)
            {
                if (!shapes.TryAdd(node.Outputs[i], outputs[i]))
                {
                    throw new GraphShapeException(node.Name, node.Op, $"output '{node.Outputs[i]}' is already produced elsewhere; value names must be unique");
                }
            }
        }

        return shapes;
    }

    /// <summary>The output shapes of one node.</summary>
    public static long[][] InferNode(Node node, IReadOnlyList<long[]> inputs, Func<string, long[]?> tensorShape)
    {
        GraphShapeException Fail(string message) => new(node.Name, node.Op, message);

        if (node.Attributes.GetType() != OpAttributes.ExpectedType(node.Op))
        {
            throw Fail($"carries {node.Attributes.GetType().Name} but {node.Op} needs {OpAttributes.ExpectedType(node.Op).Name}");
        }

        if (node.Attributes.Invalid() is { } invalid) throw Fail(invalid);

        var arity = Arity(node.Op);
        if (inputs.Count < arity.Min || inputs.Count > arity.Max)
        {
            throw Fail($"has {inputs.Count} inputs; {node.Op} takes {(arity.Min == arity.Max ? arity.Min.ToString() : $"{arity.Min}..{(arity.Max == int.MaxValue ? "n" : arity.Max.ToString())}")}");
        }

        var expectedOutputs = node.Op == OpKind.Split ? node.AttributesAs<SplitAttributes>().Sizes.Count : 1;
        if (node.Outputs.Count != expectedOutputs)
        {
            throw Fail($"has {node.Outputs.Count} outputs, expected {expectedOutputs}");
        }

        long[]? Tensor(TensorRole role, bool required)
        {
            var name = node.TensorName(role);
            if (name is null)
            {
                return required ? throw Fail($"has no {role.Suffix()} tensor") : null;
            }

            return tensorShape(name) ?? throw Fail($"its {role.Suffix()} '{name}' is not a parameter or buffer of the graph");
        }

        void Rank(long[] shape, int rank, string what)
        {
            if (shape.Length != rank) throw Fail($"{what} has shape {Shapes.Format(shape)}, expected rank {rank}");
        }

        void Vector(TensorRole role, long length, bool required)
        {
            var s = Tensor(role, required);
            if (s is not null && (s.Length != 1 || s[0] != length))
            {
                throw Fail($"{role.Suffix()} '{node.TensorName(role)}' has shape {Shapes.Format(s)}, expected [{length}] to match input {Shapes.Format(inputs[0])}");
            }
        }

        var x = inputs[0];
        // One rule per op, each a local function below; the switch expression has no default arm, so a new op does
        // not compile until it has a shape rule.
        return node.Op switch
        {
            OpKind.Conv => Conv(),
            OpKind.BatchNorm => BatchNorm(),
            OpKind.LayerNorm => LayerNorm(),
            OpKind.Relu or OpKind.Relu6 or OpKind.Clip or OpKind.HardSwish or OpKind.HardSigmoid or OpKind.Sigmoid
                or OpKind.SiLU or OpKind.Gelu or OpKind.Dropout or OpKind.Identity => [x],
            OpKind.Add or OpKind.Mul => [Broadcast(x, inputs[1]) ?? throw Fail($"shapes {Shapes.Format(x)} and {Shapes.Format(inputs[1])} do not broadcast")],
            OpKind.Concat => Concat(),
            OpKind.Split => Split(),
            OpKind.Slice => Slice(),
            OpKind.MaxPool or OpKind.AveragePool => Pool(),
            OpKind.GlobalAveragePool => GlobalAveragePool(),
            OpKind.Flatten => Flatten(),
            OpKind.Reshape => [Reshape(x, node.AttributesAs<ReshapeAttributes>().Shape) ?? throw Fail(
                $"input {Shapes.Format(x)} ({Shapes.Product(x)} elements) cannot take shape [{string.Join(", ", node.AttributesAs<ReshapeAttributes>().Shape)}]")],
            OpKind.Transpose => Transpose(),
            OpKind.Gemm => Gemm(),
            OpKind.Pad => Pad(),
            OpKind.ReduceMean => ReduceMean(),
            OpKind.Resize => Resize(),
        };

        long[][] Conv()
        {
            var a = node.AttributesAs<ConvAttributes>();
            Rank(x, 4, "input");
            var w = Tensor(TensorRole.Weight, required: true)!;
            Rank(w, 4, $"weight '{node.TensorName(TensorRole.Weight)}'");
            if (a.Groups < 1 || x[1] % a.Groups != 0 || w[0] % a.Groups != 0 || w[1] * a.Groups != x[1])
            {
                throw Fail($"input {Shapes.Format(x)} has {x[1]} channels but weight {Shapes.Format(w)} with groups={a.Groups} expects {w[1] * a.Groups} " +
                           "(in-channels = weight dim 1 × groups; out-channels must divide by groups)");
            }

            if (w[2] != a.Kernel.H || w[3] != a.Kernel.W)
            {
                throw Fail($"weight {Shapes.Format(w)} disagrees with kernel {a.Kernel.H}x{a.Kernel.W}");
            }

            Vector(TensorRole.Bias, w[0], required: false);
            var h = ConvOut(x[2], a.Kernel.H, a.Stride.H, a.Padding.H, a.Dilation.H, ceil: false);
            var wd = ConvOut(x[3], a.Kernel.W, a.Stride.W, a.Padding.W, a.Dilation.W, ceil: false);
            if (h < 1 || wd < 1) throw Fail($"input {Shapes.Format(x)} is too small for kernel {a.Kernel}, stride {a.Stride}, padding {a.Padding}, dilation {a.Dilation}");
            return [[x[0], w[0], h, wd]];
        }

        long[][] BatchNorm()
        {
            if (x.Length < 2) throw Fail($"input {Shapes.Format(x)} has no channel dimension");
            foreach (var role in new[] { TensorRole.Weight, TensorRole.Bias, TensorRole.RunningMean, TensorRole.RunningVar })
            {
                Vector(role, x[1], required: true);
            }

            return [x];
        }

        long[][] LayerNorm()
        {
            if (x.Length < 2) throw Fail($"input {Shapes.Format(x)} has no channel dimension");
            Vector(TensorRole.Weight, x[1], required: true);
            Vector(TensorRole.Bias, x[1], required: true);
            return [x];
        }

        long[][] Concat()
        {
            var axis = node.AttributesAs<ConcatAttributes>().Axis;
            if (axis < 0 || axis >= x.Length) throw Fail($"axis {axis} is outside input {Shapes.Format(x)}");
            var result = (long[])x.Clone();
            foreach (var other in inputs.Skip(1))
            {
                var agrees = other.Length == x.Length && Enumerable.Range(0, x.Length).All(d => d == axis || other[d] == x[d]);
                if (!agrees)
                {
                    throw Fail($"inputs {string.Join(", ", inputs.Select(Shapes.Format))} differ outside axis {axis}");
                }

                result[axis] += other[axis];
            }

            return [result];
        }

        long[][] Split()
        {
            var a = node.AttributesAs<SplitAttributes>();
            if (a.Axis < 0 || a.Axis >= x.Length) throw Fail($"axis {a.Axis} is outside input {Shapes.Format(x)}");
            if (a.Sizes.Any(s => s < 1) || a.Sizes.Sum() != x[a.Axis])
            {
                throw Fail($"sizes [{string.Join(", ", a.Sizes)}] do not partition dimension {a.Axis} of input {Shapes.Format(x)}");
            }

            return a.Sizes.Select(s =>
            {
                var o = (long[])x.Clone();
                o[a.Axis] = s;
                return o;
            }).ToArray();
        }

        long[][] Slice()
        {
            var a = node.AttributesAs<SliceAttributes>();
            if (a.Axis < 0 || a.Axis >= x.Length) throw Fail($"axis {a.Axis} is outside input {Shapes.Format(x)}");
            if (a.Step < 1) throw Fail($"step {a.Step} must be positive");
            var (start, end) = SliceBounds(a, x[a.Axis]);
            var o = (long[])x.Clone();
            o[a.Axis] = end <= start ? 0 : (end - start + a.Step - 1) / a.Step;
            if (o[a.Axis] == 0) throw Fail($"slice [{a.Start}:{a.End}:{a.Step}] of dimension {a.Axis} of {Shapes.Format(x)} is empty");
            return [o];
        }

        long[][] Pool()
        {
            var a = node.AttributesAs<PoolAttributes>();
            Rank(x, 4, "input");
            if (a.Padding * 2 > a.Kernel) throw Fail($"padding {a.Padding} exceeds half of kernel {a.Kernel}");
            var h = ConvOut(x[2], a.Kernel, a.Stride, a.Padding, 1, a.CeilMode);
            var w = ConvOut(x[3], a.Kernel, a.Stride, a.Padding, 1, a.CeilMode);
            if (h < 1 || w < 1) throw Fail($"input {Shapes.Format(x)} is smaller than the {a.Kernel}x{a.Kernel} window");
            return [[x[0], x[1], h, w]];
        }

        long[][] Flatten()
        {
            var axis = node.AttributesAs<FlattenAttributes>().Axis;
            if (axis < 0 || axis > x.Length) throw Fail($"axis {axis} is outside input {Shapes.Format(x)}");
            return [[Shapes.Product(x, 0, axis), Shapes.Product(x, axis)]];
        }

        long[][] Transpose()
        {
            var perm = node.AttributesAs<TransposeAttributes>().Permutation;
            if (perm.Count != x.Length || perm.Order().Select((p, i) => p == i).Any(ok => !ok))
            {
                throw Fail($"permutation [{string.Join(", ", perm)}] does not permute the {x.Length} dimensions of {Shapes.Format(x)}");
            }

            return [perm.Select(p => x[p]).ToArray()];
        }

        long[][] Gemm()
        {
            Rank(x, 2, "input");
            var w = Tensor(TensorRole.Weight, required: true)!;
            Rank(w, 2, $"weight '{node.TensorName(TensorRole.Weight)}'");
            if (w[1] != x[1]) throw Fail($"input {Shapes.Format(x)} has {x[1]} features but weight {Shapes.Format(w)} expects {w[1]}");
            Vector(TensorRole.Bias, w[0], required: false);
            return [[x[0], w[0]]];
        }

        long[][] GlobalAveragePool()
        {
            Rank(x, 4, "input");
            return [[x[0], x[1], 1, 1]];
        }

        long[][] Pad()
        {
            var a = node.AttributesAs<PadAttributes>();
            if (a.Pads.Count != 2 * x.Length)
            {
                throw Fail($"pads [{string.Join(", ", a.Pads)}] have {a.Pads.Count} values; input {Shapes.Format(x)} needs {2 * x.Length} (before each dimension, then after each)");
            }

            if (a.Pads.Any(p => p < 0)) throw Fail($"pads [{string.Join(", ", a.Pads)}] are negative; cropping is a Slice");
            var o = (long[])x.Clone();
            for (var d = 0; d < x.Length; d++)
            {
                // Reflect mirrors inside the dimension without its edge, so it cannot reach further than extent − 1.
                if (a.Mode == PadMode.Reflect && a.IsPadded(d) && (a.Before(d) >= x[d] || a.After(d) >= x[d]))
                {
                    throw Fail($"reflect padding {a.Before(d)} before, {a.After(d)} after dimension {d} of {Shapes.Format(x)} must each be below its extent {x[d]}");
                }

                if (a.Mode == PadMode.Edge && a.IsPadded(d) && x[d] == 0) throw Fail($"edge padding of the empty dimension {d} of {Shapes.Format(x)}");
                o[d] += a.Before(d) + a.After(d);
            }

            return [o];
        }

        long[][] ReduceMean()
        {
            var a = node.AttributesAs<ReduceMeanAttributes>();
            if (a.Axes.Count == 0 || a.Axes.Any(d => d < 0 || d >= x.Length) || a.Axes.Zip(a.Axes.Skip(1)).Any(p => p.First >= p.Second))
            {
                throw Fail($"axes [{string.Join(", ", a.Axes)}] must be ascending, distinct and inside input {Shapes.Format(x)}");
            }

            return a.KeepDims
                ? [x.Select((e, d) => a.Axes.Contains(d) ? 1 : e).ToArray()]
                : [x.Where((_, d) => !a.Axes.Contains(d)).ToArray()];
        }

        long[][] Resize()
        {
            var a = node.AttributesAs<ResizeAttributes>();
            Rank(x, 4, "input");
            var (h, w) = a.OutputSize(x[2], x[3]);
            if (h < 1 || w < 1) throw Fail($"scale factors {a.Scales} shrink input {Shapes.Format(x)} to {h}x{w}; an output needs at least 1x1");
            if (h > ResizeAttributes.MaxExtent || w > ResizeAttributes.MaxExtent) throw Fail($"scale factors {a.Scales} grow input {Shapes.Format(x)} to {h}x{w}, above {ResizeAttributes.MaxExtent}");
            return [[x[0], x[1], h, w]];
        }
    }

    /// <summary>How many inputs an op takes.</summary>
    public static (int Min, int Max) Arity(OpKind op) => op switch
    {
        OpKind.Add or OpKind.Mul => (2, 2),
        OpKind.Concat => (1, int.MaxValue),
        OpKind.Conv or OpKind.BatchNorm or OpKind.Relu or OpKind.Relu6 or OpKind.Clip or OpKind.HardSwish or OpKind.HardSigmoid
            or OpKind.Sigmoid or OpKind.SiLU or OpKind.Gelu or OpKind.Split or OpKind.Slice or OpKind.MaxPool or OpKind.AveragePool
            or OpKind.GlobalAveragePool or OpKind.Flatten or OpKind.Reshape or OpKind.Transpose or OpKind.Gemm
            or OpKind.Dropout or OpKind.Identity or OpKind.Pad or OpKind.ReduceMean or OpKind.LayerNorm or OpKind.Resize => (1, 1),
    };

    /// <summary>Output size of a convolution/pooling window along one dimension (PyTorch's formula).</summary>
    public static long ConvOut(long size, int kernel, int stride, int padding, int dilation, bool ceil)
    {
        var span = size + 2L * padding - (long)dilation * (kernel - 1) - 1;
        if (span < 0) return 0;
        if (!ceil) return span / stride + 1;
        var o = (span + stride - 1) / stride + 1;
        // PyTorch drops a last window that would start inside the right padding only.
        if ((o - 1) * stride >= size + padding) o--;
        return o;
    }

    /// <summary>Clamped [start, end) of a slice over a dimension of <paramref name="size"/> (ONNX semantics).</summary>
    public static (long Start, long End) SliceBounds(SliceAttributes a, long size)
    {
        var start = a.Start < 0 ? a.Start + size : a.Start;
        var end = a.End < 0 ? a.End + size : a.End;
        return (Math.Clamp(start, 0, size), Math.Clamp(end, 0, size));
    }

    /// <summary>numpy broadcasting of two shapes, or null when they do not broadcast.</summary>
    public static long[]? Broadcast(long[] a, long[] b)
    {
        var rank = Math.Max(a.Length, b.Length);
        var result = new long[rank];
        for (var i = 0; i < rank; i++)
        {
            var da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            var db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1) return null;
            result[i] = da == 1 ? db : da;
        }

        return result;
    }

    /// <summary>ONNX Reshape of <paramref name="input"/> to <paramref name="target"/> (0 copies, −1 infers), or null.</summary>
    public static long[]? Reshape(long[] input, IReadOnlyList<long> target)
    {
        var result = new long[target.Count];
        var inferred = -1;
        long known = 1;
        for (var i = 0; i < target.Count; i++)
        {
            var d = target[i];
            if (d == 0)
            {
                if (i >= input.Length) return null;
                d = input[i];
            }

            if (d == -1)
            {
                if (inferred >= 0) return null;
                inferred = i;
                continue;
            }

            if (d < 0) return null;
            result[i] = d;
            known *= d;
        }

        var total = Shapes.Product(input);
        if (inferred >= 0)
        {
            if (known == 0 || total % known != 0) return null;
            result[inferred] = total / known;
        }
        else if (known != total)
        {
            return null;
        }

        return result;
    }
}
