using System.Text.Json;

namespace Toolchain.Runtime;

/// <summary>
/// The one reader of ONNX Runtime's profiling trace (Chrome trace format: a JSON array of events). Kernel executions
/// are the events with <c>cat</c> "Node" named <c>{node}_kernel_time</c>, <c>dur</c> in whole microseconds,
/// <c>args.op_name</c> the op; everything else (session events, <c>_fence_before</c>/<c>_fence_after</c>) is skipped.
/// </summary>
public static class OrtTrace
{
    private const string KernelSuffix = "_kernel_time";

    /// <summary>What ONNX Runtime appends to a node it moved onto its channel-blocked (NCHWc) layout.</summary>
    public const string BlockedSuffix = "_nchwc";

    /// <summary>One node's kernel durations, one per run, in run order.</summary>
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
            using (var prepared = engine.Prepare([input]))
            {
                for (var i = 0; i < runs; i++) prepared.Run();
            }

            engine.EndProfiling(keepTraceAs: trace);
            return Read(trace);
        }
        finally
        {
            File.Delete(trace);
        }
    }

    /// <summary>Every node's kernel durations in the trace file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a JSON array of trace events.</exception>
    public static IReadOnlyList<NodeCalls> Read(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>Every node's kernel durations, in run order, nodes in the order they first ran; <paramref name="source"/> names the trace in errors.</summary>
    public static IReadOnlyList<NodeCalls> Parse(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"ONNX Runtime's profiling trace '{source}' is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException($"ONNX Runtime's profiling trace '{source}' is not a JSON array of events");
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

    /// <summary>Each node's total, call count and mean (µs), in the order of <paramref name="nodes"/>.</summary>
    public static IReadOnlyList<NodeTiming> Summarize(IReadOnlyList<NodeCalls> nodes) =>
        nodes.Select(n =>
        {
            var total = n.DurationsUs.Sum();
            return new NodeTiming(n.Node, n.Op, total, n.DurationsUs.Count, (double)total / n.DurationsUs.Count);
        }).ToList();
}
