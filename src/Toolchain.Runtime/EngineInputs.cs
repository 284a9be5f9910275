namespace Toolchain.Runtime;

/// <summary>The input check every engine performs before touching native code.</summary>
internal static class EngineInputs
{
    public static void Validate(string engine, IReadOnlyList<TensorSpec> specs, IReadOnlyList<HostTensor> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count != specs.Count)
        {
            throw new ArgumentException(
                $"{engine}: the model takes {specs.Count} input(s) ({string.Join(", ", specs)}) but {inputs.Count} were given",
                nameof(inputs));
        }

        for (var i = 0; i < specs.Count; i++)
        {
            var spec = specs[i];
            var input = inputs[i] ?? throw new ArgumentNullException(nameof(inputs), $"{engine}: input '{spec.Name}' is null");
            if (spec.ElementType != "float32")
            {
                throw new ArgumentException(
                    $"{engine}: input '{spec.Name}' has element type {spec.ElementType}; only float32 inputs are supported", nameof(inputs));
            }

            if (!spec.Accepts(input.Shape))
            {
                throw new ArgumentException(
                    $"{engine}: input '{spec.Name}' expects shape {HostTensor.FormatShape(spec.Shape)} (−1 = any size) " +
                    $"but got {HostTensor.FormatShape(input.Shape)}", nameof(inputs));
            }
        }
    }
}
