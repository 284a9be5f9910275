using Toolchain.Agent.Security;
using Toolchain.TestSupport;

namespace Toolchain.Agent.Tests;

public sealed class AccessTokenTests
{
    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")] // file modes are the point
    public void CreateFile_WritesARandomTokenOnlyItsOwnerCanRead_AndNeverOverwrites()
    {
        using var dir = new TempDirectory();
        var path = dir.File("etc/token");
        var token = AccessToken.CreateFile(path);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.False(AccessToken.ReadableByOthers(path));
        Assert.Equal(token, AccessToken.ReadFile(path));
        Assert.True(token.Length >= 43);
        Assert.NotEqual(token, AccessToken.CreateFile(dir.File("other")));

        var again = Assert.Throws<IOException>(() => AccessToken.CreateFile(path));
        Assert.Contains("already exists", again.Message);
        Assert.Equal(token, AccessToken.ReadFile(path));
    }

    [Fact]
    public void ReadFile_MissingOrWeakToken_SaysHowToMakeOne()
    {
        using var dir = new TempDirectory();
        Assert.Contains("--new-token", Assert.Throws<FileNotFoundException>(() => AccessToken.ReadFile(dir.File("none"))).Message);
        File.WriteAllText(dir.File("weak"), "secret\n");
        Assert.Contains("at least 16", Assert.Throws<InvalidDataException>(() => AccessToken.ReadFile(dir.File("weak"))).Message);
        File.WriteAllText(dir.File("empty"), "\n");
        Assert.Contains("empty", Assert.Throws<InvalidDataException>(() => AccessToken.ReadFile(dir.File("empty"))).Message);
    }

    [Fact]
    public void Matches_OnlyTheExactToken()
    {
        var token = AccessToken.New();
        Assert.True(AccessToken.Matches(token, token));
        Assert.True(AccessToken.Matches(token, new string(token.AsSpan())));
        Assert.False(AccessToken.Matches(token, null));
        Assert.False(AccessToken.Matches(token, ""));
        Assert.False(AccessToken.Matches(token, token[..^1]));
        Assert.False(AccessToken.Matches(token, token + "x"));
        Assert.False(AccessToken.Matches(token, token.ToUpperInvariant() == token ? token.ToLowerInvariant() : token.ToUpperInvariant()));
    }
}
