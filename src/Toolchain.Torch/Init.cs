namespace Toolchain.Torch;

/// <summary>
/// Weight initialisers with PyTorch's definitions (fan computed from [out, in, k…] shapes), drawing from
/// <c>generator</c>, or from libtorch's global generator when it is null.
/// </summary>
public static class Init
{
    /// <summary>Kaiming-normal with fan_out and ReLU gain: std = √(2 / fan_out), torchvision's conv default.</summary>
    public static Tensor KaimingNormalFanOut(long[] shape, Generator? generator = null)
    {
        var (_, fanOut) = Fans(shape);
        return Tensor.RandN(shape, 0, Math.Sqrt(2.0 / fanOut), generator: generator);
    }

    /// <summary>Kaiming-normal with fan_in and ReLU gain: std = √(2 / fan_in).</summary>
    public static Tensor KaimingNormalFanIn(long[] shape, Generator? generator = null)
    {
        var (fanIn, _) = Fans(shape);
        return Tensor.RandN(shape, 0, Math.Sqrt(2.0 / fanIn), generator: generator);
    }

    /// <summary>PyTorch's default for Conv/Linear weights: U(−b, b), b = 1/√fan_in (kaiming_uniform with a = √5).</summary>
    public static Tensor DefaultWeight(long[] shape, Generator? generator = null)
    {
        var (fanIn, _) = Fans(shape);
        var bound = 1.0 / Math.Sqrt(fanIn);
        return Tensor.Rand(shape, -bound, bound, generator: generator);
    }

    /// <summary>PyTorch's default bias: U(−b, b), b = 1/√fan_in of the layer's weight.</summary>
    public static Tensor DefaultBias(long[] weightShape, Generator? generator = null)
    {
        var (fanIn, _) = Fans(weightShape);
        var bound = fanIn > 0 ? 1.0 / Math.Sqrt(fanIn) : 0;
        return Tensor.Rand([weightShape[0]], -bound, bound, generator: generator);
    }

    /// <summary>(fan_in, fan_out) of a weight shaped [out, in, k…].</summary>
    public static (long FanIn, long FanOut) Fans(long[] shape)
    {
        if (shape.Length < 2) throw new ArgumentException($"fan needs a weight with at least 2 dimensions, got [{string.Join(", ", shape)}]");
        long receptive = 1;
        for (var i = 2; i < shape.Length; i++) receptive *= shape[i];
        return (shape[1] * receptive, shape[0] * receptive);
    }
}
