using System.Text.Json;
using Toolchain.Runtime;

namespace Toolchain.Profiling;

/// <summary>
/// Per-call kernel durations from an ONNX Runtime profiling trace (Chrome trace format): events with
/// <c>cat</c> "Node" named <c>{node}_kernel_time</c>, <c>dur</c> in whole microseconds, <c>args.op_name</c> the op.
/// </summary>
public static class OrtTrace
{
    private const string KernelSuffix = "_kernel_time";

    /// <summary>What ONNX Runtime appends to a node it moved onto its channel-blocked (NCHWc) layout.</summary>
    public const string BlockedSuffix = "_nchwc";

    public sealed record NodeCalls(string Node, string Op, List<long> DurationsUs);

    /// <summary>
    /// Runs <paramref name="engine"/> (a session created with <see cref="OrtEngineOptions.EnableProfiling"/>) on
    /// <paramref name="input"/> <paramref name="runs"/> times, ends its profiling and returns every node's kernel
    /// durations, one per run (warm-up runs included: skip them by index). The trace file is deleted.
    /// </summary>
    public static IReadOnlyList<NodeCalls> Record(OrtEngine engine, HostTensor input, int runs)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);
        var trace = Path.Combine(Path.GetTempPath(), $"toolchain-trace-{Guid.NewGuid():N}.json");
        try
        {
            for (var i = 0; i < runs; i++) engine.Run([input]);
            engine.EndProfiling(keepTraceAs: trace);
            return Read(trace);
        }
        finally
        {
            File.Delete(trace);
        }
    }

    /// <summary>Every node's kernel durations, in run order, nodes in the order they first ran.</summary>
    public static IReadOnlyList<NodeCalls> Read(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { AllowTrailingCommas = true });
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"ONNX Runtime's profiling trace '{path}' is not a JSON array of events");
        }

        var nodes = new Dictionary<string, NodeCalls>(StringComparer.Ordinal);
        var order = new List<NodeCalls>();
        foreach (var e in document.RootElement.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("cat", out var cat) || cat.ValueKind != JsonValueKind.String || cat.GetString() != "Node") continue;
            if (!e.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String) continue;
            var name = nameElement.GetString()!;
            if (!name.EndsWith(KernelSuffix, StringComparison.Ordinal)) continue;
            var node = name[..^KernelSuffix.Length];
            var duration = e.TryGetProperty("dur", out var dur) && dur.TryGetInt64(out var d) ? d : 0;
            if (!nodes.TryGetValue(node, out var calls))
            {
                var op = e.TryGetProperty("args", out var args) && args.ValueKind == JsonValueKind.Object &&
                         args.TryGetProperty("op_name", out var opName) && opName.ValueKind == JsonValueKind.String ? opName.GetString()! : "";
                nodes[node] = calls = new NodeCalls(node, op, []);
                order.Add(calls);
            }

            calls.DurationsUs.Add(duration);
        }

        return order;
    }
}
