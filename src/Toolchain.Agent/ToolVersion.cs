using System.Reflection;

namespace Toolchain.Agent;

/// <summary>
/// The toolchain's version as the agent reports it and the client checks it: a result is only comparable with a local one
/// when both sides run the same code (engine versions, export, statistics), so a client refuses an agent of another version.
/// </summary>
public static class ToolVersion
{
    /// <summary>The assembly's informational version (the SDK appends the commit it was built from, when it knows it).</summary>
    public static string Current { get; } =
        typeof(ToolVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(ToolVersion).Assembly.GetName().Version?.ToString()
        ?? "unknown";
}
