using Toolchain.TestSupport;

namespace Toolchain.Torch.Tests;

[Collection(SerialCollection.Name)]
public sealed class DisposeScopeTests
{
    [Fact]
    public void Scope_DisposesEverythingCreatedInside_ExceptKeptTensors()
    {
        var before = ProcessCounters.SettledLiveTensors();
        Tensor kept;
        Tensor inner;
        using (var scope = DisposeScope.Enter())
        {
            inner = Tensor.Ones([4]) * 3 + 1;
            kept = scope.Keep(inner * 2);
            Assert.True(scope.Count >= 3);
        }

        Assert.True(inner.IsDisposed);
        Assert.False(kept.IsDisposed);
        using (var sum = kept.Sum()) Assert.Equal(8.0 * 4, sum.Item());
        kept.Dispose();
        Assert.Equal(before, Libtorch.LiveTensors);
    }

    [Fact]
    public void NestedScopes_KeepMovesToTheEnclosingScope()
    {
        Tensor survivor;
        using (var outer = DisposeScope.Enter())
        {
            using (var inner = DisposeScope.Enter())
            {
                survivor = inner.Keep(Tensor.Ones([2]));
            }

            Assert.False(survivor.IsDisposed);
        }

        Assert.True(survivor.IsDisposed);
    }

    [Fact]
    public void DetachFromScope_HandsOwnershipToTheCaller()
    {
        Tensor mine;
        using (DisposeScope.Enter())
        {
            mine = Tensor.Ones([2]).DetachFromScope();
        }

        Assert.False(mine.IsDisposed);
        mine.Dispose();
    }

    [Fact]
    public void Own_TakesATensorCreatedOutsideAnyScope()
    {
        var loose = Tensor.Ones([2]);
        using (var scope = DisposeScope.Enter())
        {
            scope.Own(loose);
        }

        Assert.True(loose.IsDisposed);
    }

    [Fact]
    public void OutOfOrderDispose_IsRejected()
    {
        var outer = DisposeScope.Enter();
        var inner = DisposeScope.Enter();
        Assert.Throws<InvalidOperationException>(() => outer.Dispose());
        inner.Dispose();
        outer.Dispose();
    }
}
