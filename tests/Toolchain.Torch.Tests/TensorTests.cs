using F = Toolchain.Torch.Functional;

namespace Toolchain.Torch.Tests;

public sealed class TensorTests
{
    [Fact]
    public void FromArray_RoundTrip_PreservesValuesShapeAndDType()
    {
        using var t = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        Assert.Equal([2L, 3L], t.Shape);
        Assert.Equal(DType.Float32, t.DType);
        Assert.Equal(Device.Cpu, t.Device);
        Assert.Equal([1f, 2, 3, 4, 5, 6], t.ToArray<float>());
        using var i = Tensor.FromArray(new long[] { 7, -8 });
        Assert.Equal([7L, -8L], i.ToArray<long>());
        Assert.Equal(DType.Int64, i.DType);
    }

    [Fact]
    public void ShapeOps_ViewsSlicesAndJoins_GiveExpectedElements()
    {
        using var scope = DisposeScope.Enter();
        var t = Tensor.Arange(0, 24, dtype: DType.Float32).Reshape(2, 3, 4);
        Assert.Equal([2L, 4L, 3L], t.Transpose(1, 2).Shape);
        Assert.Equal([4L, 2L, 3L], t.Permute(2, 0, 1).Shape);
        Assert.Equal([2L, 12L], t.Flatten(1).Shape);
        Assert.Equal([1L, 2L, 3L, 4L], t.Unsqueeze(0).Shape);
        Assert.Equal([8f, 9, 10, 11], t.Slice(1, 2, 3).Slice(0, 0, 1).Flatten().ToArray<float>());
        Assert.Equal([0f, 2], t.Slice(2, 0, 4, 2).Slice(0, 0, 1).Slice(1, 0, 1).Flatten().ToArray<float>());
        var picked = t.IndexSelect(1, Tensor.FromArray(new long[] { 2, 0 }));
        Assert.Equal([8f, 9, 10, 11, 0, 1, 2, 3], picked.Slice(0, 0, 1).Flatten().ToArray<float>());
        Assert.Equal([4L, 3L, 4L], Tensor.Cat([t, t], 0).Shape);
        Assert.Equal([2L, 2L, 3L, 4L], Tensor.Stack([t, t], 0).Shape);
        Assert.Equal([2L, 3L, 4L], t.View(2, 3, 4).Shape);
        Assert.Equal([1L, 1L, 1L], t.Slice(0, 0, 1).Slice(1, 0, 1).Slice(2, 0, 1).Shape);
    }

    [Fact]
    public void ElementwiseAndReductions_ComputeExpectedValues()
    {
        using var scope = DisposeScope.Enter();
        var a = Tensor.FromArray(new float[] { -2, -1, 0, 3, 7, 9 }, 2, 3);
        Assert.Equal([0f, 0, 0, 3, 6, 6], a.Relu6().ToArray<float>());
        Assert.Equal([-1f, -1, 0, 1, 1, 1], a.Sign().ToArray<float>());
        Assert.Equal([-1f, -1, 0, 3, 5, 5], a.Clamp(-1, 5).ToArray<float>());
        Assert.Equal(16.0, a.Sum().Item());
        Assert.Equal([-3f, 19], a.Sum(1).ToArray<float>());
        Assert.Equal([9f], a.Max().Reshape(1).ToArray<float>());
        Assert.Equal([2L, 2L], a.ArgMax(1).ToArray<long>());
        Assert.Equal([-4f, -2, 0, 6, 14, 18], (a * 2).ToArray<float>());
        Assert.Equal([3f, 2, 1, -2, -6, -8], (1 - a).ToArray<float>());
        using var b = Tensor.FromArray(new float[] { 1, 2, 3 });
        Assert.Equal([-1f, 1, 3, 4, 9, 12], (a + b).ToArray<float>()); // broadcast over rows
        var (values, indices) = a.TopK(2, 1);
        Assert.Equal([0f, -1, 9, 7], values.ToArray<float>());
        Assert.Equal([2L, 1, 2, 1], indices.ToArray<long>());
        Assert.Equal(Math.Sqrt(4 + 1 + 9 + 49 + 81), a.Norm().Item(), 4);
        Assert.Equal([1, 1, 0, 1, 1, 1], a.Ne(0).ToArray<bool>().Select(x => x ? 1 : 0));
        var m = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2);
        Assert.Equal([7f, 10, 15, 22], m.MatMul(m).ToArray<float>());
    }

    [Fact]
    public void Autograd_SimpleFunction_GivesAnalyticGradient()
    {
        using var scope = DisposeScope.Enter();
        var x = Tensor.FromArray(new float[] { 1, 2, 3 });
        x.RequiresGrad = true;
        Assert.True(x.IsLeaf);
        var y = (x * x * 3).Sum(); // dy/dx = 6x
        y.Backward();
        Assert.Equal([6f, 12, 18], x.Grad!.ToArray<float>());
        x.Grad = null;
        Assert.Null(x.Grad);
    }

    [Fact]
    public void NoGrad_InsideScope_RecordsNothingAndRestoresMode()
    {
        using var scope = DisposeScope.Enter();
        var x = Tensor.Ones([3]);
        x.RequiresGrad = true;
        using (Libtorch.NoGrad())
        {
            Assert.False(Libtorch.IsGradEnabled);
            using var y = x * 2;
            Assert.False(y.RequiresGrad);
        }

        Assert.True(Libtorch.IsGradEnabled);
        using var z = x * 2;
        Assert.True(z.RequiresGrad);
        using var detached = z.Detach();
        Assert.False(detached.RequiresGrad);
    }

    [Fact]
    public void Dropout_TrainingAndEval_ScalesOrPassesThrough()
    {
        using var scope = DisposeScope.Enter();
        var x = Tensor.Ones([10_000]);
        Assert.Equal(x.ToArray<float>(), F.Dropout(x, 0.5, training: false).ToArray<float>());
        var dropped = F.Dropout(x, 0.5, training: true).ToArray<float>();
        Assert.All(dropped, v => Assert.True(v == 0 || v == 2));
        Assert.InRange(dropped.Count(v => v == 0), 4500, 5500);
    }

    [Fact]
    public void Threads_AtStartup_UseEveryCore()
    {
        Assert.Equal(Environment.ProcessorCount, Libtorch.Threads);
        Assert.StartsWith("1.13", Libtorch.Version);
    }

    [Fact]
    public void Cuda_WhenAbsent_IsReportedAndRequestsFailClearly()
    {
        if (Libtorch.CudaIsAvailable)
        {
            using var onGpu = Tensor.Ones([4], device: Device.Cuda());
            Assert.Equal(DeviceKind.Cuda, onGpu.Device.Kind);
            using var back = onGpu.To(Device.Cpu);
            Assert.Equal([1f, 1, 1, 1], back.ToArray<float>());
            return;
        }

        var e = Assert.Throws<TorchException>(() => Tensor.Ones([4], device: Device.Cuda()));
        Assert.Contains("CUDA", e.Message);
    }
}
