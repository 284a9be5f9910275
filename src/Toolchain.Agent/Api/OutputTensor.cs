using Toolchain.Pipeline;
using Toolchain.Runtime;

namespace Toolchain.Agent.Api;

/// <summary>
/// One model output of a bench job's parity run: its name in the model, its shape, and the tensor as the bytes of a float32
/// .npy file (base64 in the JSON), so it round-trips bit for bit and <c>numpy.load</c> reads it as saved.
/// </summary>
public sealed record OutputTensor(string Name, long[] Shape, byte[] Npy)
{
    public static OutputTensor Of(NamedTensor output) => new(output.Name, output.Tensor.Shape, Runtime.Npy.Encode(output.Tensor));

    /// <summary>The tensor the .npy bytes hold, named as the model names it.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a .npy file.</exception>
    public NamedTensor ToTensor() => new(Name, Runtime.Npy.Parse(Npy, $"output '{Name}'"));
}
