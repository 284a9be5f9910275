using Toolchain.Runtime.Interop;

namespace Toolchain.Runtime.Tests;

public sealed class OrtLibraryTests
{
    [Fact]
    public void Locate_DefaultsBesideTheAssembliesAndHonoursTheOverride()
    {
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "libonnxruntime.so.1"), OrtLibrary.Locate(null));
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "libonnxruntime.so.1"), OrtLibrary.Locate(""));
        Assert.Equal("/opt/ort/lib/libonnxruntime.so.1", OrtLibrary.Locate("/opt/ort/lib/libonnxruntime.so.1"));
        Assert.True(File.Exists(OrtLibrary.Library.Path));
    }

    [Fact]
    public void Load_MissingLibrary_SaysToRunMakeDeps()
    {
        var path = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}", "libonnxruntime.so.1");
        var e = Assert.Throws<OnnxRuntimeException>(() => OrtLibrary.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("make deps", e.Message);
        Assert.Contains(OrtLibrary.PathVariable, e.Message);
    }

    [Fact]
    public void Load_FileThatIsNotALibrary_ThrowsInsteadOfCrashing()
    {
        using var dir = new TestSupport.TempDirectory();
        var path = dir.File("libonnxruntime.so.1");
        File.WriteAllText(path, "not an ELF file");

        var e = Assert.Throws<OnnxRuntimeException>(() => OrtLibrary.Load(path));
        Assert.Contains("could not be loaded", e.Message);
    }

    [Fact]
    public void Load_OtherSharedLibrary_SaysItIsNotOnnxRuntime()
    {
        var libc = new[] { "/lib/x86_64-linux-gnu/libm.so.6", "/usr/lib/x86_64-linux-gnu/libm.so.6" }.First(File.Exists);
        var e = Assert.Throws<OnnxRuntimeException>(() => OrtLibrary.Load(libc));
        Assert.Contains("not an ONNX Runtime library", e.Message);
    }
}
