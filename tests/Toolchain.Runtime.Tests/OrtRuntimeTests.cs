namespace Toolchain.Runtime.Tests;

/// <summary>ONNX Runtime as the NuGet package delivers it: the linux-x64 library alone, loaded from the output folder.</summary>
public sealed class OrtRuntimeTests
{
    [Fact]
    public void LibraryDirectory_IsThePackagesLinuxX64FolderBesideTheAssemblies()
    {
        Assert.NotEmpty(OrtEngine.Version);
        var directory = OrtRuntime.LibraryDirectory;
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native"), directory);
        Assert.True(File.Exists(Path.Combine(directory!, OrtRuntime.LibraryFileName)));
    }

    [Fact]
    public void Output_CarriesNoOtherPlatformsNativeLibraries()
    {
        var runtimes = Path.Combine(AppContext.BaseDirectory, "runtimes");
        Assert.Equal(["linux-x64"], Directory.GetDirectories(runtimes).Select(Path.GetFileName));
    }

    [Fact]
    public void Call_PackageException_BecomesOursWithContextAndErrorCode()
    {
        var e = Assert.Throws<OnnxRuntimeException>(() => OrtRuntime.Call("doing X",
            () => new Microsoft.ML.OnnxRuntime.InferenceSession("/nonexistent/model.onnx")));
        Assert.StartsWith("doing X: ONNX Runtime error NoSuchFile: ", e.Message);
        Assert.Equal(OnnxRuntimeErrorCode.NoSuchFile, e.ErrorCode);
        Assert.DoesNotContain("[ErrorCode:", e.Message);
    }
}
