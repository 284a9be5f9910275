namespace Toolchain.Agent.Api;

/// <summary>
/// GET /v1/openapi.json: the API described by hand (OpenAPI 3.1) and embedded in the assembly. A test checks that it names
/// every route the agent maps, so the two cannot drift apart unnoticed.
/// </summary>
public static class OpenApiDocument
{
    public static string Json { get; } = Read();

    private static string Read()
    {
        using var stream = typeof(OpenApiDocument).Assembly.GetManifestResourceStream("Toolchain.Agent.openapi.json")
            ?? throw new InvalidOperationException("the embedded resource Toolchain.Agent.openapi.json is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
