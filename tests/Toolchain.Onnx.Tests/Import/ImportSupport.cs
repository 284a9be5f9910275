using Toolchain.Torch;
using Toolchain.Torch.Serialization;
using Xunit.Sdk;

namespace Toolchain.Onnx.Tests.Import;

/// <summary>Helpers shared by the importer's tests.</summary>
internal static class ImportSupport
{
    /// <summary>
    /// The acceptance bound for outputs computed by PyTorch: max |actual − expected| ≤ 1e-4 · max(1, max |expected|).
    /// </summary>
    public static void AssertOutputsMatch(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var e = TestSupport.TensorAssert.ToDoubles(expected);
        var a = TestSupport.TensorAssert.ToDoubles(actual);
        var scale = Math.Max(1, e.Max(Math.Abs));
        var worst = e.Zip(a, (x, y) => Math.Abs(x - y)).Max();
        if (!(worst <= 1e-4 * scale))
        {
            throw new XunitException($"{what}: max |diff| {worst:E3} exceeds 1e-4 × {scale:G4} (largest |expected|)");
        }
    }

    /// <summary>Loads a safetensors file into the current dispose scope.</summary>
    public static Dictionary<string, Tensor> Load(string path)
    {
        var tensors = SafeTensors.Load(path);
        if (DisposeScope.Current is { } scope)
        {
            foreach (var t in tensors.Values) scope.Own(t);
        }

        return tensors;
    }

}
