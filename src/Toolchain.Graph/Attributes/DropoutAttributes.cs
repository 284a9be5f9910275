namespace Toolchain.Graph;

/// <summary>Dropout probability; active only while the graph is training.</summary>
public sealed record DropoutAttributes(double Probability = 0.5) : OpAttributes
{
    public override string? Invalid() => Probability is >= 0 and < 1 ? null : $"dropout probability {Probability} must lie in [0, 1)";
}
