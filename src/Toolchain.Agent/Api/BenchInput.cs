using Toolchain.Onnx;
using Toolchain.Pipeline;
using Toolchain.Runtime;

namespace Toolchain.Agent.Api;

/// <summary>
/// What a bench job will feed its model, checked against the model file's declaration before the job is queued: the input
/// shape the settings resolve (a model with several inputs, or dynamic sizes besides the batch and no inputShape, would
/// only fail once it ran), and the parity input (the form's <c>input</c> part), a .npy tensor of exactly that element type
/// and shape. Either way a mismatch is a 400 that names the file, its input and the shape it takes.
/// </summary>
internal static class BenchInput
{
    /// <summary>
    /// The input shape <paramref name="request"/> will run the model at, from its declared <paramref name="inputs"/>; null
    /// when the file declares no shape (ONNX Runtime decides, and refuses what it cannot run when the job runs).
    /// </summary>
    /// <exception cref="ArgumentException">The job could not run the model as declared (the message starts with <paramref name="modelName"/>).</exception>
    public static long[]? Resolve(IReadOnlyList<OnnxGraphInput> inputs, BenchRequest request, string modelName)
    {
        if (inputs.Count != 1)
        {
            throw new ArgumentException($"{modelName}: the model has {inputs.Count} inputs ({string.Join(", ", inputs.Select(i => $"'{i.Name}'"))}); bench feeds single-input models only");
        }

        if (inputs[0].Shape is not { } declared) return null;
        try
        {
            return EngineFactory.InputShape([new TensorSpec(inputs[0].Name, inputs[0].ElementType, declared)], request.Batch, request.InputShape);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{modelName}: {e.Message}", e);
        }
    }

    /// <summary>The tensor in <paramref name="npy"/>, checked against the model's <paramref name="inputs"/> as <paramref name="request"/> will run it.</summary>
    /// <exception cref="InvalidDataException">Not a readable .npy file.</exception>
    /// <exception cref="ArgumentException">Another element type or shape than the model's input takes (the message names both).</exception>
    public static HostTensor Read(byte[] npy, IReadOnlyList<OnnxGraphInput> inputs, BenchRequest request, string modelName)
    {
        const string source = "the parity input (form part 'input')";
        var (descr, shape) = Npy.Header(npy, source);
        var expected = Resolve(inputs, request, modelName)
                       ?? throw new ArgumentException($"{modelName}: input '{inputs[0].Name}' declares no shape; a parity input cannot be checked against it");
        var input = inputs[0];
        var takes = $"input '{input.Name}' of {modelName} takes {input.ElementType} {HostTensor.FormatShape(expected)} (batch {request.Batch})";
        if (input.ElementType != "float32") throw new ArgumentException($"{takes}; parity inputs are float32 only");
        if (descr != "<f4" || !shape.SequenceEqual(expected))
        {
            throw new ArgumentException($"{source} holds '{descr}' {HostTensor.FormatShape(shape)}; {takes}: send a little-endian float32 ('<f4') array of that shape");
        }

        return Npy.Parse(npy, source);
    }
}
