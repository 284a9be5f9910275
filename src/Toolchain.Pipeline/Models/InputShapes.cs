namespace Toolchain.Pipeline;

/// <summary>The text form of an input shape, "1x3x224x224", as --input-shape and a device agent's settings take it.</summary>
public static class InputShapes
{
    /// <summary>Parses "1x3x224x224" (or with commas / ×); null stays null.</summary>
    /// <exception cref="ArgumentException">Not four positive sizes.</exception>
    public static long[]? Parse(string? text)
    {
        if (text is null) return null;
        var parts = text.Split(['x', 'X', '×', ','], StringSplitOptions.TrimEntries);
        var dims = parts.Select(p => long.TryParse(p, out var d) && d > 0 ? d : -1).ToArray();
        if (dims.Length != 4 || dims.Any(d => d < 0))
        {
            throw new ArgumentException($"--input-shape '{text}' is not N×C×H×W with positive sizes (e.g. 1x3x224x224)");
        }

        return dims;
    }

    public static string Format(IEnumerable<long> shape) => string.Join("x", shape);
}
