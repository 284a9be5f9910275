using System.CommandLine;
using Toolchain.Agent.Client;

namespace Toolchain.Cli;

/// <summary>
/// --device, --token-file and --ca-cert: the options of every command that can measure on a device agent (bench, profile,
/// predict --validate), defined once; <see cref="Open"/> turns them into the one <see cref="RemoteDevice"/> client those commands share.
/// </summary>
public sealed class DeviceOptions
{
    public DeviceOptions(string measures)
    {
        Device = new Option<string?>("--device") { Description = $"{measures} on the device agent at this address (toolchain serve there), e.g. http://edge-01:5117" };
        TokenFile = new Option<string?>("--token-file") { Description = "With --device: the file holding the agent's token" };
        CaCert = new Option<string?>("--ca-cert")
        {
            Description = "With an https:// --device: a PEM file with the private CA that signed the agent's certificate (besides the system's store and SSL_CERT_FILE)",
        };
    }

    public Option<string?> Device { get; }

    public Option<string?> TokenFile { get; }

    public Option<string?> CaCert { get; }

    public IEnumerable<Option> All => [Device, TokenFile, CaCert];

    public void AddTo(Command command)
    {
        foreach (var option in All) command.Options.Add(option);
    }

    /// <summary>The device the options name, or null without --device (then --token-file and --ca-cert are errors: they would be ignored).</summary>
    public RemoteDevice? Open(ParseResult parse)
    {
        if (parse.GetValue(Device) is not { } url)
        {
            if (parse.GetValue(TokenFile) is not null || parse.GetValue(CaCert) is not null) throw new ArgumentException("--token-file and --ca-cert go with --device URL");
            return null;
        }

        return RemoteDevice.Open(url, parse.GetValue(TokenFile), parse.GetValue(CaCert));
    }
}
