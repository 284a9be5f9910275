using System.Globalization;
using Microsoft.AspNetCore.Http;
using Toolchain.Pipeline;

namespace Toolchain.Agent.Api;

/// <summary>
/// A bench job's settings on the wire: <c>toolchain bench</c>'s options under the same names (query parameters or a JSON
/// part), so whatever a local bench takes a remote one takes too.
/// </summary>
public sealed record BenchSettings
{
    /// <summary>The model's name in the results (default: the uploaded file's name).</summary>
    public string? Name { get; init; }

    public string Engine { get; init; } = Runtime.Engines.OrtCpu.Name;

    public int Batch { get; init; } = 1;

    public int Warmup { get; init; } = 10;

    public int? Iterations { get; init; }

    /// <summary>Seconds to measure instead of a run count.</summary>
    public double? Duration { get; init; }

    public int Threads { get; init; }

    /// <summary>N×C×H×W, e.g. "1x3x224x224", for models whose sizes are dynamic.</summary>
    public string? InputShape { get; init; }

    public bool PerNode { get; init; }

    /// <summary>The names <see cref="FromQuery"/> reads; any other query parameter is refused rather than ignored.</summary>
    public static IReadOnlyList<string> QueryNames { get; } = ["name", "engine", "batch", "warmup", "iterations", "duration", "threads", "inputShape", "perNode"];

    /// <summary>The job <see cref="BenchJob"/> runs for these settings on the model at <paramref name="modelPath"/>.</summary>
    /// <exception cref="ArgumentException">An impossible setting (the message names the option).</exception>
    public BenchRequest ToRequest(string modelPath, string fallbackName) => new()
    {
        Model = modelPath,
        DisplayName = Name ?? fallbackName,
        Engine = Engine,
        Batch = Batch,
        Warmup = Warmup,
        Iterations = Iterations,
        DurationSeconds = Duration,
        Threads = Threads,
        InputShape = InputShapes.Parse(InputShape),
        PerNode = PerNode,
    };

    /// <summary>Settings from query parameters over <paramref name="defaults"/>.</summary>
    /// <exception cref="ArgumentException">An unknown parameter or a value of the wrong type.</exception>
    public static BenchSettings FromQuery(IQueryCollection query, BenchSettings defaults)
    {
        var unknown = query.Keys.Where(k => !QueryNames.Contains(k, StringComparer.OrdinalIgnoreCase)).ToList();
        if (unknown.Count > 0) throw new ArgumentException($"unknown setting(s) {string.Join(", ", unknown)} (known: {string.Join(", ", QueryNames)})");
        string? Text(string name) => query.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value.LastOrDefault();
        int? Int(string name) => Text(name) is { } t
            ? int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw new ArgumentException($"{name}={t} is not an integer")
            : null;
        double? Number(string name) => Text(name) is { } t
            ? double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw new ArgumentException($"{name}={t} is not a number")
            : null;
        bool? Flag(string name) => Text(name) is { } t
            ? bool.TryParse(t, out var v) ? v : t == "1" || (t == "0" ? false : throw new ArgumentException($"{name}={t} is not true or false"))
            : null;
        return defaults with
        {
            Name = Text("name") ?? defaults.Name,
            Engine = Text("engine") ?? defaults.Engine,
            Batch = Int("batch") ?? defaults.Batch,
            Warmup = Int("warmup") ?? defaults.Warmup,
            Iterations = Int("iterations") ?? defaults.Iterations,
            Duration = Number("duration") ?? defaults.Duration,
            Threads = Int("threads") ?? defaults.Threads,
            InputShape = Text("inputShape") ?? defaults.InputShape,
            PerNode = Flag("perNode") ?? defaults.PerNode,
        };
    }

    /// <summary>The query string that carries these settings (what <see cref="FromQuery"/> reads back).</summary>
    public string ToQuery()
    {
        var pairs = new List<(string, string)> { ("engine", Engine), ("batch", Batch.ToString(CultureInfo.InvariantCulture)), ("warmup", Warmup.ToString(CultureInfo.InvariantCulture)) };
        if (Name is not null) pairs.Add(("name", Name));
        if (Iterations is { } i) pairs.Add(("iterations", i.ToString(CultureInfo.InvariantCulture)));
        if (Duration is { } d) pairs.Add(("duration", d.ToString("R", CultureInfo.InvariantCulture)));
        if (Threads != 0) pairs.Add(("threads", Threads.ToString(CultureInfo.InvariantCulture)));
        if (InputShape is not null) pairs.Add(("inputShape", InputShape));
        if (PerNode) pairs.Add(("perNode", "true"));
        return string.Join('&', pairs.Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2)}"));
    }
}
