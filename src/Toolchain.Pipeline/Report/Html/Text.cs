using System.Globalization;
using System.Net;

namespace Toolchain.Pipeline.Report;

/// <summary>Escaping and number formats shared by the page and its charts (invariant culture: a report reads the same everywhere).</summary>
internal static class Text
{
    /// <summary>Escapes for element content and quoted attribute values alike (&lt; &gt; &amp; " ').</summary>
    public static string Escape(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>A number for an SVG attribute: one decimal is finer than a pixel.</summary>
    public static string Px(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary>Milliseconds with about three significant digits: 0.0123, 0.123, 1.23, 12.3, 123.</summary>
    public static string Ms(double ms) => ms switch
    {
        < 0.1 => ms.ToString("0.0000", CultureInfo.InvariantCulture),
        < 1 => ms.ToString("0.000", CultureInfo.InvariantCulture),
        < 10 => ms.ToString("0.00", CultureInfo.InvariantCulture),
        < 100 => ms.ToString("0.0", CultureInfo.InvariantCulture),
        _ => ms.ToString("0", CultureInfo.InvariantCulture),
    };

    public static string Ms(double? ms) => ms is { } value ? Ms(value) + " ms" : "—";

    /// <summary>A fraction as a percentage: 0.9123 → "91.23 %".</summary>
    // A no-break space keeps "99.79 %" on one line where a table cell or card wraps.
    public static string Percent(double fraction, int decimals = 2) => (fraction * 100).ToString("F" + decimals, CultureInfo.InvariantCulture) + "\u00a0%";

    public static string Percent(double? fraction) => fraction is { } value ? Percent(value) : "—";

    /// <summary>Large counts with an SI prefix: 272474 → "272.5 k", 40_800_000 → "40.80 M".</summary>
    public static string Count(double count) => Math.Abs(count) switch
    {
        >= 1e9 => (count / 1e9).ToString("0.00", CultureInfo.InvariantCulture) + " G",
        >= 1e6 => (count / 1e6).ToString("0.00", CultureInfo.InvariantCulture) + " M",
        >= 1e4 => (count / 1e3).ToString("0.0", CultureInfo.InvariantCulture) + " k",
        _ => count.ToString("0.##", CultureInfo.InvariantCulture),
    };

    public static string Number(double value, string format = "0.###") => value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>
    /// A signed number with <paramref name="decimals"/> decimals: +3, −12, 0. Rounded first, so −0.3 reads 0 (a format
    /// of "+0;−0" alone writes "-+0" for it).
    /// </summary>
    public static string Signed(double value, int decimals = 0)
    {
        var digits = decimals == 0 ? "0" : "0." + new string('0', decimals);
        return Math.Round(value, decimals).ToString($"+{digits};−{digits};{digits}", CultureInfo.InvariantCulture);
    }

    /// <summary>An axis tick: as few decimals as the value needs (0, 0.005, 0.01), never a row of trailing zeros.</summary>
    public static string Tick(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    /// <summary>A value in a budget's or gate's unit.</summary>
    public static string InUnit(double? value, string unit) => value switch
    {
        null => "—",
        { } v when unit == "ms" => Ms(v) + " ms",
        { } v when unit is "MACs" or "parameters" => Count(v) + " " + unit,
        { } v when unit == "%" => Number(v, "0.##") + " %",
        // Parity differences and tolerances are 1e-6-sized: fixed decimals would print them as 0.
        { } v when v != 0 && Math.Abs(v) < 1e-3 => (v.ToString("0.##e+0", CultureInfo.InvariantCulture) + " " + unit).TrimEnd(),
        { } v => (Number(v, "0.####") + " " + unit).TrimEnd(),
    };

    public static string Bytes(long bytes) => bytes switch
    {
        >= 1 << 30 => (bytes / (double)(1 << 30)).ToString("0.00", CultureInfo.InvariantCulture) + " GiB",
        >= 1 << 20 => (bytes / (double)(1 << 20)).ToString("0.00", CultureInfo.InvariantCulture) + " MiB",
        >= 1 << 10 => (bytes / (double)(1 << 10)).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    };

    /// <summary>Cuts a label to <paramref name="max"/> characters (SVG cannot wrap or measure text); the full text goes in a tooltip.</summary>
    public static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
