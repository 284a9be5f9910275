using System.Text.Json;
using Toolchain.TestSupport;

namespace Toolchain.Runtime.Tests;

public sealed class NpyTests
{
    private const string Script = "reference/npy_reference.py";

    [Fact]
    public void FilesWrittenByNumPy_ReadBackWithTheirValues()
    {
        using var dir = new TempDirectory();
        PythonOracle.RunScript(Script, ["write", dir.Path]);
        var expected24 = Enumerable.Range(0, 24).Select(i => i * 0.25f - 2).ToArray();

        var f4 = Npy.Read(dir.File("f4.npy"));
        Assert.Equal(new HostTensor([2, 3, 4], expected24), f4);
        Assert.Equal(new HostTensor([2, 3, 4], expected24), Npy.Read(dir.File("v2.npy")));
        Assert.Equal(new HostTensor([4, 6], Enumerable.Range(0, 24).Select(i => (float)(i / 3.0 - 2)).ToArray()), Npy.Read(dir.File("f8.npy")));
        Assert.Equal(new HostTensor([24], Enumerable.Range(0, 24).Select(i => (float)(i - 12)).ToArray()), Npy.Read(dir.File("i8.npy")));
        Assert.Equal(new HostTensor([], [2.5f]), Npy.Read(dir.File("scalar.npy")));
        Assert.Equal(new HostTensor([0, 3], []), Npy.Read(dir.File("empty.npy")));
    }

    [Theory]
    [InlineData("fortran.npy", "Fortran order")]
    [InlineData("big_endian.npy", "'>f4'")]
    [InlineData("i4.npy", "'<i4'")]
    public void UnsupportedLayoutsAndTypes_ThrowNamingTheFile(string file, string reason)
    {
        using var dir = new TempDirectory();
        PythonOracle.RunScript(Script, ["write", dir.Path]);

        var e = Assert.Throws<InvalidDataException>(() => Npy.Read(dir.File(file)));
        Assert.Contains(file, e.Message);
        Assert.Contains(reason, e.Message);
    }

    [Theory]
    [InlineData(new long[] { 2, 3, 4 })]
    [InlineData(new long[] { 7 })]
    [InlineData(new long[] { })]
    [InlineData(new long[] { 0, 5 })]
    public void WrittenFiles_RoundTripAndLoadInNumPy(long[] shape)
    {
        using var dir = new TempDirectory();
        var path = dir.File("t.npy");
        var tensor = new HostTensor(shape, Enumerable.Range(0, (int)HostTensor.ElementCount(shape)).Select(i => i * 1.5f - 4.25f).ToArray());

        Npy.Write(path, tensor);

        Assert.Equal(tensor, Npy.Read(path));
        Assert.Equal(0, new FileInfo(path).Length % 4);
        Assert.Equal(0, (new FileInfo(path).Length - tensor.Data.Length * 4) % 64); // data starts 64-byte aligned
        using var loaded = JsonDocument.Parse(PythonOracle.RunScript(Script, ["read", path]));
        var root = loaded.RootElement;
        Assert.Equal(shape, root.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal("<f4", root.GetProperty("dtype").GetString());
        Assert.Equal(tensor.Data, root.GetProperty("values").EnumerateArray().Select(e => (float)e.GetDouble()));
        Assert.Single(Directory.GetFiles(dir.Path)); // no temp file left
    }

    [Fact]
    public void Write_Overwrites_AndMissingFolderThrowsWithoutLeavingFiles()
    {
        using var dir = new TempDirectory();
        var path = dir.File("t.npy");
        Npy.Write(path, new HostTensor([2], [1, 2]));
        Npy.Write(path, new HostTensor([3], [4, 5, 6]));
        Assert.Equal(new HostTensor([3], [4, 5, 6]), Npy.Read(path));

        Assert.Throws<DirectoryNotFoundException>(() => Npy.Write(dir.File("missing/t.npy"), new HostTensor([1], [1])));
    }

    [Fact]
    public void Read_BrokenFiles_ThrowNamingTheFile()
    {
        using var dir = new TempDirectory();
        var good = Npy.Encode(new HostTensor([4, 4], new float[16]));

        var truncated = dir.File("truncated.npy");
        File.WriteAllBytes(truncated, good[..^10]);
        var e = Assert.Throws<InvalidDataException>(() => Npy.Read(truncated));
        Assert.Contains("truncated.npy", e.Message);
        Assert.Contains("truncated", e.Message);

        var text = dir.File("text.npy");
        File.WriteAllText(text, "hello, world");
        Assert.Contains("text.npy", Assert.Throws<InvalidDataException>(() => Npy.Read(text)).Message);

        var headerOnly = dir.File("header.npy");
        File.WriteAllBytes(headerOnly, good[..12]);
        Assert.Contains("header.npy", Assert.Throws<InvalidDataException>(() => Npy.Read(headerOnly)).Message);

        Assert.Throws<FileNotFoundException>(() => Npy.Read(dir.File("absent.npy")));
    }

    [Fact]
    public void HostTensor_DataLengthMustMatchShape()
    {
        var e = Assert.Throws<ArgumentException>(() => new HostTensor([2, 3], new float[5]));
        Assert.Contains("[2, 3]", e.Message);
        Assert.Throws<ArgumentException>(() => new HostTensor([-1, 3], new float[3]));
        Assert.NotEqual(new HostTensor([2], [1, 2]), new HostTensor([2], [1, 3]));
        Assert.NotEqual(new HostTensor([2, 1], [1, 2]), new HostTensor([1, 2], [1, 2]));
    }
}
