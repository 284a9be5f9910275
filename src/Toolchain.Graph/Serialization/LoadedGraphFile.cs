using Toolchain.Torch;

namespace Toolchain.Graph;

/// <summary>
/// What <see cref="GraphFile.Load"/> returns: the graph, the extra tensors saved with it (names without the
/// "extra/" prefix) and the extra metadata. The caller owns all of it; disposing this disposes everything.
/// </summary>
public sealed record LoadedGraphFile(ModelGraph Graph, IReadOnlyDictionary<string, Tensor> ExtraTensors, IReadOnlyDictionary<string, string> Metadata)
    : IDisposable
{
    public void Dispose()
    {
        Graph.Dispose();
        foreach (var t in ExtraTensors.Values) t.Dispose();
    }
}
