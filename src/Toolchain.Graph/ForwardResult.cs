using Toolchain.Torch;

namespace Toolchain.Graph;

/// <summary>The output of a forward pass and the intermediate values asked for, all owned by the caller.</summary>
public sealed record ForwardResult(Tensor Output, IReadOnlyDictionary<string, Tensor> Captured) : IDisposable
{
    public void Dispose()
    {
        Output.Dispose();
        foreach (var t in Captured.Values) t.Dispose();
    }
}
