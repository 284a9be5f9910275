using System.Text.Json;

namespace Toolchain.Runtime;

/// <summary>
/// Reads ONNX Runtime's profiling trace (Chrome trace format: a JSON array of events). Kernel executions are the
/// events with <c>cat</c> "Node" whose name is <c>{node}_kernel_time</c>; <c>dur</c> is in microseconds and
/// <c>args.op_name</c> holds the op type. Fence events (<c>_fence_before</c>/<c>_fence_after</c>) are skipped.
/// </summary>
internal static class OrtProfile
{
    private const string KernelSuffix = "_kernel_time";

    /// <summary>Per-node totals, in the order nodes first ran.</summary>
    public static IReadOnlyList<NodeTiming> Parse(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"ONNX Runtime's profile '{source}' is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException($"ONNX Runtime's profile '{source}' is not a JSON array of trace events");
            }

            var totals = new Dictionary<string, (string Op, long Total, int Calls)>(StringComparer.Ordinal);
            var order = new List<string>();
            foreach (var e in document.RootElement.EnumerateArray())
            {
                if (e.ValueKind != JsonValueKind.Object) continue;
                if (!e.TryGetProperty("cat", out var cat) || cat.ValueKind != JsonValueKind.String || cat.GetString() != "Node") continue;
                if (!e.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String) continue;
                var name = nameElement.GetString()!;
                if (!name.EndsWith(KernelSuffix, StringComparison.Ordinal)) continue;

                var node = name[..^KernelSuffix.Length];
                var duration = e.TryGetProperty("dur", out var dur) && dur.TryGetInt64(out var d) ? d : 0;
                var op = e.TryGetProperty("args", out var args) && args.ValueKind == JsonValueKind.Object &&
                         args.TryGetProperty("op_name", out var opName) && opName.ValueKind == JsonValueKind.String
                    ? opName.GetString()!
                    : "";
                if (totals.TryGetValue(node, out var t))
                {
                    totals[node] = (t.Op, t.Total + duration, t.Calls + 1);
                }
                else
                {
                    totals[node] = (op, duration, 1);
                    order.Add(node);
                }
            }

            return order.Select(n =>
            {
                var (op, total, calls) = totals[n];
                return new NodeTiming(n, op, total, calls, (double)total / calls);
            }).ToList();
        }
    }
}
