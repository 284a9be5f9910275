namespace Toolchain.Graph;

/// <summary>Dropout probability; active only while the graph is training.</summary>
public sealed record DropoutAttributes(double Probability = 0.5) : OpAttributes;
