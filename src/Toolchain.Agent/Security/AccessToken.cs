using System.Security.Cryptography;
using System.Text;

namespace Toolchain.Agent.Security;

/// <summary>
/// The shared secret between a device agent and its clients: a random token in a file only its owner can read
/// (<c>toolchain serve --new-token</c>), sent as <c>Authorization: Bearer TOKEN</c> with every request.
/// </summary>
public static class AccessToken
{
    /// <summary>Shorter tokens are refused: a guessable token would let anyone who reaches the port run work on the device.</summary>
    public const int MinimumLength = 16;

    /// <summary>A fresh token: 32 random bytes (256 bits), base64url so it fits a header and a file unquoted.</summary>
    public static string New() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>
    /// Writes a new token to <paramref name="path"/>, readable and writable by its owner only (mode 0600 from the moment it
    /// exists: the file is created with that mode, never chmod-ed after). An existing file is not replaced: it may be the
    /// token a running agent and its clients use (remove it first to rotate).
    /// </summary>
    /// <exception cref="IOException">The file exists or cannot be written.</exception>
    public static string CreateFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (File.Exists(path)) throw new IOException($"token file '{path}' already exists; remove it first to write a new token (running agents and clients keep using the old one until restarted)");
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        var token = New();
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
        {
            writer.WriteLine(token);
        }

        return token;
    }

    /// <summary>The token in <paramref name="path"/> (surrounding whitespace and the final newline dropped).</summary>
    /// <exception cref="FileNotFoundException">No such file; the message names <c>--new-token</c>.</exception>
    /// <exception cref="InvalidDataException">Empty or too short.</exception>
    public static string ReadFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"token file '{path}' does not exist; create one with 'toolchain serve --new-token --token-file {path}' and copy it to the clients", path);
        }

        var token = File.ReadAllText(path).Trim();
        try
        {
            Check(token, $"token file '{path}'");
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException(e.Message, e);
        }

        return token;
    }

    /// <summary>Whether the token file can be read by others than its owner (group or world bits set): worth a warning.</summary>
    public static bool ReadableByOthers(string path) =>
        !OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0;

    /// <exception cref="ArgumentException">Empty, too short, or with characters a header cannot carry.</exception>
    public static void Check(string token, string what)
    {
        if (string.IsNullOrWhiteSpace(token)) throw new ArgumentException($"{what} is empty; write one with 'toolchain serve --new-token --token-file PATH'");
        if (token.Length < MinimumLength) throw new ArgumentException($"{what} is {token.Length} characters long; use at least {MinimumLength} random characters ('toolchain serve --new-token' writes 43)");
        if (token.Any(c => c <= ' ' || c > '~')) throw new ArgumentException($"{what} contains spaces or characters outside printable ASCII, which an Authorization header cannot carry");
    }

    /// <summary>
    /// Whether <paramref name="presented"/> is <paramref name="expected"/>, in time that does not depend on where they differ
    /// (<see cref="CryptographicOperations.FixedTimeEquals"/>). Both are hashed first so that their lengths do not leak either:
    /// FixedTimeEquals returns at once for inputs of different lengths.
    /// </summary>
    public static bool Matches(string expected, string? presented)
    {
        if (presented is null) return false;
        Span<byte> a = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> b = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(expected), a);
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), b);
        return CryptographicOperations.FixedTimeEquals(a, b);
    }
}
