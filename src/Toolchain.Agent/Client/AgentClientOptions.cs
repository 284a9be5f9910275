namespace Toolchain.Agent.Client;

/// <summary>How patient an <see cref="AgentClient"/> is.</summary>
public sealed record AgentClientOptions
{
    /// <summary>Further attempts after a connection error, a timeout or a 503, each after twice the previous wait.</summary>
    public int Retries { get; init; } = 4;

    public TimeSpan FirstBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest wait between attempts (a 503's Retry-After included).</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>One request without an upload.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>One upload, body included.</summary>
    public TimeSpan UploadTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// A PEM (or DER) file with the certificate(s) of the private CA that signed an HTTPS agent's certificate (<c>--ca-cert</c>):
    /// trusted for this client besides the system's store (and SSL_CERT_FILE).
    /// </summary>
    public string? CaCertificateFile { get; init; }

    /// <summary>Between two looks at a running job.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);
}
