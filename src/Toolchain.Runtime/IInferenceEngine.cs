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

    /// <summary>
    /// Binds <paramref name="inputs"/> (checked as by <see cref="Run"/>) for repeated runs, the way latency is measured;
    /// the engine may keep its native tensors between runs. The tensors' arrays are read at every run, not copied.
    /// </summary>
    IPreparedRun Prepare(IReadOnlyList<HostTensor> inputs)
    {
        EngineInputs.Validate(Name, Inputs, inputs);
        return new RepeatedRun(this, inputs);
    }
}
