namespace Toolchain.Pipeline.Report;

/// <summary>Test accuracy of one model: top-1 and top-5 as fractions, over <paramref name="Samples"/> test images.</summary>
public sealed record ModelAccuracy(double Top1, double Top5, int Samples);
