using System.Globalization;
using Toolchain.Runtime;

namespace Toolchain.Pipeline;

/// <summary>
/// The parity check of a benchmark measured elsewhere (<c>bench --device</c>): the same ONNX model, fed the same seeded
/// input, run here on ONNX Runtime's CPU engine as the reference and there in the measured session; the largest absolute
/// difference over every output element, as <c>export</c> reports its own parity check.
/// </summary>
public static class BenchParity
{
    /// <summary>The input's seed: the seed of the export's parity check and of the benchmark's timed input.</summary>
    public const int Seed = 0;

    /// <summary>The reference engine's name in the report.</summary>
    public static string ReferenceEngine => Engines.OrtCpu.Name;

    /// <summary>
    /// The seeded input of the shape <paramref name="request"/> runs <paramref name="onnx"/> at, and the model's outputs on it from
    /// ONNX Runtime's CPU engine here.
    /// </summary>
    public static (HostTensor Input, IReadOnlyList<NamedTensor> Expected) Reference(byte[] onnx, string name, BenchRequest request)
    {
        ArgumentNullException.ThrowIfNull(onnx);
        ArgumentNullException.ThrowIfNull(request);
        using var engine = OrtEngine.Load(onnx, name, new OrtEngineOptions { IntraOpThreads = request.Threads });
        var input = HostTensor.RandomUniform(EngineFactory.InputShape(engine, request.Batch, request.InputShape), Seed);
        var outputs = engine.Run([input]);
        return (input, outputs.Select((tensor, i) => new NamedTensor(engine.Outputs[i].Name, tensor)).ToList());
    }

    /// <summary>Compares <paramref name="actual"/> (the device's outputs) with <paramref name="expected"/> (the reference's), output by output.</summary>
    /// <exception cref="InvalidDataException">The outputs differ in number, name or shape: the two did not run the same model.</exception>
    public static ParityRecord Compare(IReadOnlyList<NamedTensor> expected, IReadOnlyList<NamedTensor> actual, HostTensor input, string device)
    {
        if (expected.Count != actual.Count)
        {
            throw new InvalidDataException($"{device} returned {actual.Count} output(s), the model has {expected.Count} ({string.Join(", ", expected.Select(o => o.Name))})");
        }

        double maxDiff = 0, scale = 0;
        for (var o = 0; o < expected.Count; o++)
        {
            var (want, got) = (expected[o], actual[o]);
            if (want.Name != got.Name || !want.Tensor.Shape.SequenceEqual(got.Tensor.Shape))
            {
                throw new InvalidDataException($"{device} returned output '{got.Name}' {HostTensor.FormatShape(got.Tensor.Shape)} where the model has '{want.Name}' {HostTensor.FormatShape(want.Tensor.Shape)}");
            }

            for (var i = 0; i < want.Tensor.Data.Length; i++)
            {
                // NaN on one side only is the largest difference there is.
                var diff = Math.Abs((double)want.Tensor.Data[i] - got.Tensor.Data[i]);
                maxDiff = Math.Max(maxDiff, double.IsNaN(diff) ? double.PositiveInfinity : diff);
                scale = Math.Max(scale, Math.Abs((double)want.Tensor.Data[i]));
            }
        }

        return new ParityRecord
        {
            Reference = $"{ReferenceEngine} on this machine",
            Input = $"uniform [-1, 1) {HostTensor.FormatShape(input.Shape)}, seed {Seed.ToString(CultureInfo.InvariantCulture)}",
            Outputs = expected.Count,
            MaxAbsDiff = maxDiff,
            OutputScale = scale,
        };
    }
}

/// <summary>A remote benchmark's outputs against the reference engine here (<see cref="BenchParity"/>).</summary>
public sealed record ParityRecord
{
    /// <summary>The engine and machine the device's outputs were compared with.</summary>
    public required string Reference { get; init; }

    /// <summary>The input both ran: its distribution, shape and seed.</summary>
    public required string Input { get; init; }

    /// <summary>How many outputs were compared.</summary>
    public required int Outputs { get; init; }

    /// <summary>The largest |device − reference| over every output element.</summary>
    public required double MaxAbsDiff { get; init; }

    /// <summary>The largest |reference output|, to judge <see cref="MaxAbsDiff"/> by.</summary>
    public required double OutputScale { get; init; }
}
