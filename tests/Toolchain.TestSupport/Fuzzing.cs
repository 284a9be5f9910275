using System.Text;
using System.Text.Json.Nodes;

namespace Toolchain.TestSupport;

/// <summary>
/// Mutations for fuzzing file loaders, reproducible from a seed: blind ones on bytes (bit flips, truncation, inflated
/// length fields, inserted noise) and structure-aware ones on JSON (the safetensors header, a graph file's structure,
/// a latency profile): numbers made huge, negative, fractional or of another type, keys removed, arrays emptied or
/// grown. <see cref="Run"/> drives a campaign and collects what did not end the way a loader must.
/// </summary>
public static class Fuzzing
{
    /// <summary>The generator of case <paramref name="index"/> of a campaign (not HashCode.Combine: its seed changes per process).</summary>
    public static Random CaseRandom(int campaignSeed, int index) => new(unchecked((campaignSeed * 1_000_003) + index));

    /// <summary>How many cases a fuzz test runs: <paramref name="ciCount"/>, or TOOLCHAIN_FUZZ_CASES (make fuzz).</summary>
    public static int CaseCount(int ciCount) =>
        int.TryParse(Environment.GetEnvironmentVariable("TOOLCHAIN_FUZZ_CASES"), out var n) && n > 0 ? n : ciCount;

    /// <summary>The campaign's seed: <paramref name="fixedSeed"/>, or TOOLCHAIN_FUZZ_SEED.</summary>
    public static int CampaignSeed(int fixedSeed) =>
        int.TryParse(Environment.GetEnvironmentVariable("TOOLCHAIN_FUZZ_SEED"), out var s) ? s : fixedSeed;

    /// <summary>One blind mutation of <paramref name="bytes"/> and what it was.</summary>
    public static (string What, byte[] Bytes) Blind(byte[] bytes, Random random)
    {
        if (bytes.Length < 8) return ("unchanged (too short)", bytes);
        var copy = (byte[])bytes.Clone();
        switch (random.Next(4))
        {
            case 0:
                var flips = 1 + random.Next(16);
                for (var k = 0; k < flips; k++) copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
                return ($"{flips} bit flips", copy);
            case 1:
                var length = random.Next(copy.Length);
                return ($"truncated to {length} of {bytes.Length} bytes", copy[..length]);
            case 2:
                var at = random.Next(copy.Length - 4);
                for (var k = 0; k < 4; k++) copy[at + k] = 0xFF;
                return ($"bytes {at}..{at + 3} set to 0xFF", copy);
            default:
                var start = random.Next(copy.Length);
                var noise = new byte[1 + random.Next(64)];
                random.NextBytes(noise);
                return ($"{noise.Length} random bytes inserted at {start}", [.. copy[..start], .. noise, .. copy[start..]]);
        }
    }

    private static readonly JsonNode?[] Replacements =
    [
        -1, 0, 1, 3, 1L << 40, long.MaxValue, long.MinValue, 1_000_000_000_000L, 1.5, -0.5, 1e300, "x", "", true, null,
    ];

    /// <summary>
    /// One structure-aware mutation of the JSON text: a random value anywhere in the tree is replaced, removed,
    /// emptied or repeated. Returns the text unchanged (with a note) when it does not parse.
    /// </summary>
    public static (string What, string Json) MutateJson(string json, Random random)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (System.Text.Json.JsonException)
        {
            return ("unchanged (not JSON)", json);
        }

        if (root is null) return ("unchanged (null)", json);
        var all = new List<JsonNode>();
        Collect(root, all);
        var target = all[random.Next(all.Count)];
        var path = target.GetPath();
        var parent = target.Parent;
        switch (random.Next(5))
        {
            case 0 when parent is JsonObject o:
                o.Remove(target.GetPropertyName());
                return ($"{path} removed", root.ToJsonString());
            case 1 when target is JsonArray a:
                if (random.Next(2) == 0)
                {
                    a.Clear();
                    return ($"{path} emptied", root.ToJsonString());
                }

                if (a.Count > 0) a.Add(a[random.Next(a.Count)]?.DeepClone());
                return ($"{path} grew by a copy of an element", root.ToJsonString());
            case 2 when target is JsonObject obj && obj.Count > 0:
                var key = obj.ElementAt(random.Next(obj.Count)).Key;
                obj[key] = new JsonArray(1, 2, 3);
                return ($"{path}.{key} = [1, 2, 3]", root.ToJsonString());
            default:
                if (parent is null) return ("unchanged (root)", json);
                var replacement = Replacements[random.Next(Replacements.Length)]?.DeepClone();
                Replace(target, replacement);
                return ($"{path} = {replacement?.ToJsonString() ?? "null"}", root.ToJsonString());
        }
    }

    private static void Collect(JsonNode node, List<JsonNode> all)
    {
        all.Add(node);
        switch (node)
        {
            case JsonObject o:
                foreach (var (_, v) in o.ToList()) if (v is not null) Collect(v, all);
                break;
            case JsonArray a:
                foreach (var v in a.ToList()) if (v is not null) Collect(v, all);
                break;
        }
    }

    private static void Replace(JsonNode target, JsonNode? replacement)
    {
        switch (target.Parent)
        {
            case JsonObject o:
                o[target.GetPropertyName()] = replacement;
                break;
            case JsonArray a:
                a[target.GetElementIndex()] = replacement;
                break;
        }
    }

    /// <summary>
    /// Runs <paramref name="load"/> on each case; a case fails when it throws anything but an exception
    /// <paramref name="isOurs"/> accepts, allocates more than <paramref name="allocationCap"/> managed bytes, or has not
    /// finished after <paramref name="hangAfter"/> (a hang detector, far above any case's time, not a speed check).
    /// Failing cases are written to <c>fuzz-failures/{name}-N{extension}</c> (+ .txt) beside the test assembly.
    /// Returns the failures and the outcome counts.
    /// </summary>
    public static (List<string> Failures, int Loaded, int Refused) Run(string name, IEnumerable<(int Index, string What, byte[] Bytes)> cases,
        Action<byte[], int> load, Func<Exception, int, bool> isOurs, string extension = ".bin", long allocationCap = 1L << 30, TimeSpan? hangAfter = null)
    {
        var cap = hangAfter ?? TimeSpan.FromSeconds(30);
        var failures = new List<string>();
        int loaded = 0, refused = 0;
        foreach (var (index, what, bytes) in cases)
        {
            Exception? error = null;
            long allocated = 0;
            // A thread of its own (LongRunning), not the thread pool: the hang clock must not count time spent queued
            // behind other tests' work items on a 2-core machine.
            var task = Task.Factory.StartNew(() =>
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                try
                {
                    load(bytes, index);
                }
                catch (Exception e)
                {
                    error = e;
                }
                finally
                {
                    allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                }
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            string? problem = null;
            if (!task.Wait(cap)) problem = $"did not finish within {cap.TotalSeconds:0} s";
            else if (allocated > allocationCap) problem = $"allocated {allocated >> 20} MiB";
            else if (error is not null && !isOurs(error, index)) problem = $"{error.GetType().Name}: {error.Message}";
            if (problem is null)
            {
                if (error is null) loaded++;
                else refused++;
                continue;
            }

            var folder = Path.Combine(AppContext.BaseDirectory, "fuzz-failures");
            Directory.CreateDirectory(folder);
            File.WriteAllBytes(Path.Combine(folder, $"{name}-{index}{extension}"), bytes);
            var description = $"{name} case {index} ({what}): {problem}";
            File.WriteAllText(Path.Combine(folder, $"{name}-{index}.txt"), description + "\n" + error + "\n", Encoding.UTF8);
            failures.Add(description);
        }

        return (failures, loaded, refused);
    }
}
