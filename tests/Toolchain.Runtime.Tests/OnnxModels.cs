using Toolchain.TestSupport;

namespace Toolchain.Runtime.Tests;

/// <summary>
/// The ONNX models of reference/onnx_models.py (built with Debian's onnx package) and PyTorch's outputs for them,
/// generated once per test run into a temp folder that is deleted when the process exits.
/// </summary>
internal static class OnnxModels
{
    private static readonly Lazy<string> Folder = new(Generate, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Directory => Folder.Value;

    public static string Path(string file) => System.IO.Path.Combine(Directory, file);

    /// <summary>Conv → Relu → GlobalAveragePool → Flatten → Gemm on x [N, 3, 32, 32] → logits [N, 5].</summary>
    public static string ConvNet => Path("convnet.onnx");

    /// <summary>a, b [N, 4] → sum, product.</summary>
    public static string TwoInputs => Path("two_inputs.onnx");

    /// <summary>ids int64 [3] → Cast → y float [3].</summary>
    public static string IntInput => Path("int_input.onnx");

    public static HostTensor ConvNetInput(int batch) => Npy.Read(Path($"convnet.x{batch}.npy"));

    public static HostTensor ConvNetExpected(int batch) => Npy.Read(Path($"convnet.expected{batch}.npy"));

    private static string Generate()
    {
        var dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "toolchain-runtime-models-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                System.IO.Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // best effort at exit
            }
        };
        PythonOracle.RunScript("reference/onnx_models.py", [dir]);
        return dir;
    }

    /// <summary>Asserts |a − e| ≤ atol + rtol·|e| elementwise and equal shapes, saying where it fails.</summary>
    public static void AssertClose(HostTensor expected, HostTensor actual, double atol = 1e-5, double rtol = 1e-5)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        for (var i = 0; i < expected.Data.Length; i++)
        {
            var e = expected.Data[i];
            var a = actual.Data[i];
            Assert.True(Math.Abs(a - e) <= atol + rtol * Math.Abs(e), $"element {i}: {a:R} differs from expected {e:R}");
        }
    }
}
