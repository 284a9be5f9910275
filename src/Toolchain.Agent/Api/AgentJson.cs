using System.Text.Json;
using System.Text.Json.Serialization;

namespace Toolchain.Agent.Api;

/// <summary>
/// The API's JSON, on both sides: camelCase names (as <c>toolchain --json</c> writes), enums as camelCase strings, and the
/// named floating-point literals a latency statistic can hold.
/// </summary>
public static class AgentJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>Applies the API's settings to <paramref name="options"/> (ASP.NET Core's own instance, for its endpoints).</summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        // Readable as curl shows it ('+' in a version, quotes and dashes in messages); the API never lands inside HTML.
        options.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        options.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        return options;
    }
}
