namespace Toolchain.Runtime;

/// <summary>
/// A deployed model that maps float32 inputs to outputs: ONNX Runtime (<see cref="OrtEngine"/>) or the libtorch
/// executor (<see cref="TorchEngine"/>). <see cref="Run"/> checks the inputs against <see cref="Inputs"/> before any
/// native code runs and throws <see cref="ArgumentException"/> naming the input and both shapes.
/// </summary>
public interface IInferenceEngine : IDisposable
{
    /// <summary>Short engine id, e.g. <c>ort-cpu</c> or <c>torch</c>.</summary>
    string Name { get; }

    IReadOnlyList<TensorSpec> Inputs { get; }

    IReadOnlyList<TensorSpec> Outputs { get; }

    /// <summary>One tensor per entry of <see cref="Inputs"/>, in order; returns one per entry of <see cref="Outputs"/>.</summary>
    IReadOnlyList<HostTensor> Run(IReadOnlyList<HostTensor> inputs);
}
