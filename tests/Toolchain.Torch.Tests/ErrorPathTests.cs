using Toolchain.Torch.Interop;
using F = Toolchain.Torch.Functional;

namespace Toolchain.Torch.Tests;

/// <summary>Every failure inside libtorch becomes a C# exception with a useful message; the process survives.</summary>
public sealed class ErrorPathTests
{
    [Theory]
    [InlineData(0, "deliberate c10::Error")]
    [InlineData(1, "deliberate std::exception")]
    [InlineData(2, "unknown native exception")]
    public void NativeException_OfAnyKind_BecomesTorchExceptionAndProcessContinues(int kind, string expected)
    {
        var e = Assert.Throws<TorchException>(() => TorchInterop.DebugRaise(kind));
        Assert.Contains(expected, e.Message);
        Assert.Equal("debug_raise", e.Operation);
        using var still = Tensor.Ones([2]); // the native side still works
        Assert.Equal(2.0, still.Sum().Item());
    }

    [Fact]
    public void Conv2d_ChannelMismatch_NamesOpShapesAndHint()
    {
        using var scope = DisposeScope.Enter();
        var x = Tensor.RandN([1, 4, 8, 8]);
        var w = Tensor.RandN([8, 3, 3, 3]);
        var e = Assert.Throws<TorchException>(() => F.Conv2d(x, w, padding: 1));
        Assert.Equal("conv2d", e.Operation);
        Assert.Contains("float32[1, 4, 8, 8]", e.Message);
        Assert.Contains("float32[8, 3, 3, 3]", e.Message);
        Assert.Contains("hint", e.Message);
    }

    [Fact]
    public void Linear_FeatureMismatch_NamesShapes()
    {
        using var scope = DisposeScope.Enter();
        var e = Assert.Throws<TorchException>(() => F.Linear(Tensor.RandN([2, 5]), Tensor.RandN([3, 4])));
        Assert.Contains("float32[2, 5]", e.Message);
        Assert.Contains("in_features", e.Message);
    }

    [Fact]
    public void BroadcastMismatch_And_BadReshape_AreClearErrors()
    {
        using var scope = DisposeScope.Enter();
        var a = Tensor.Ones([2, 3]);
        var b = Tensor.Ones([4]);
        var e = Assert.Throws<TorchException>(() => a + b);
        Assert.Contains("broadcastable", e.Message);
        var r = Assert.Throws<TorchException>(() => a.Reshape(4, 2));
        Assert.Contains("[4, 2]", r.Message);
    }

    [Fact]
    public void CrossEntropy_FloatTargets_ExplainsExpectedTypes()
    {
        using var scope = DisposeScope.Enter();
        var e = Assert.Throws<TorchException>(() => F.CrossEntropy(Tensor.RandN([4, 3]), Tensor.Ones([4, 5])));
        Assert.Contains("int64 class indices", e.Message);
    }

    [Fact]
    public void WrongElementType_ToArray_SaysWhichTypes()
    {
        using var t = Tensor.Ones([3]);
        var e = Assert.Throws<TorchException>(() => t.ToArray<long>());
        Assert.Contains("float32", e.Message);
        Assert.Throws<ArgumentException>(() => Tensor.FromArray(new short[] { 1 }));
    }

    [Fact]
    public void FromArray_ShapeDisagreesWithData_IsAnError()
    {
        var e = Assert.Throws<TorchException>(() => Tensor.FromArray(new float[] { 1, 2, 3 }, 2, 2));
        Assert.Contains("needs 16 bytes, got 12", e.Message);
    }

    [Fact]
    public void UseAfterDispose_ThrowsObjectDisposedWithHint()
    {
        var t = Tensor.Ones([2]);
        t.Dispose();
        Assert.True(t.IsDisposed);
        var e = Assert.Throws<ObjectDisposedException>(() => t.Sum());
        Assert.Contains("DisposeScope", e.Message);
        t.Dispose(); // a second dispose is harmless
    }

    [Fact]
    public void UseAfterScopeEnds_ThrowsObjectDisposed()
    {
        Tensor escaped;
        using (DisposeScope.Enter())
        {
            escaped = Tensor.Ones([2]);
        }

        Assert.Throws<ObjectDisposedException>(() => escaped.Item());
    }

    [Fact]
    public void BackwardWithoutGrad_ExplainsWhy()
    {
        using var scope = DisposeScope.Enter();
        var e = Assert.Throws<TorchException>(() => Tensor.Ones([1]).Sum().Backward());
        Assert.Contains("does not require grad", e.Message);
    }

    [Fact]
    public void MissingNativeLibrary_ExplainsHowToBuildIt()
    {
        var e = Assert.Throws<TorchNativeLibraryException>(() => NativeLibraryLoader.Load("/nonexistent/libtoolchain_native.so"));
        Assert.Contains("/nonexistent/libtoolchain_native.so", e.Message);
        Assert.Contains("make build", e.Message);
    }

    [Fact]
    public void UnloadableNativeLibrary_NamesTheFileAndTheCause()
    {
        using var dir = new TestSupport.TempDirectory();
        var bogus = dir.File("libtoolchain_native.so");
        File.WriteAllText(bogus, "not an ELF file");
        var e = Assert.Throws<TorchNativeLibraryException>(() => NativeLibraryLoader.Load(bogus));
        Assert.Contains(bogus, e.Message);
        Assert.Contains("libtorch", e.Message);
    }
}
