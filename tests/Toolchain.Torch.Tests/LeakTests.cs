using Toolchain.TestSupport;
using Toolchain.Torch.Optim;
using F = Toolchain.Torch.Functional;

namespace Toolchain.Torch.Tests;

[Collection(SerialCollection.Name)]
public sealed class LeakTests
{
    [Fact]
    public void TrainingStep_ThousandIterations_ReturnsLiveTensorsToBaselineAndKeepsMemoryFlat()
    {
        Libtorch.ManualSeed(3);
        var baseline = ProcessCounters.SettledLiveTensors();
        long afterWarmup = 0, afterAll = 0;
        using (var model = new TinyNet())
        using (var sgd = new Sgd(model.Parameters, learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4))
        {
            var x = Tensor.RandN([8, 3, 8, 8]).DetachFromScope();
            var y = Tensor.RandInt([8], 0, 4).DetachFromScope();
            var liveAfterFirst = 0L;
            for (var i = 0; i < 1000; i++)
            {
                using (DisposeScope.Enter())
                {
                    sgd.ZeroGrad();
                    var loss = F.CrossEntropy(model.Forward(x), y);
                    loss.Backward();
                    sgd.Step();
                }

                if (i == 0) liveAfterFirst = Libtorch.LiveTensors;
                if (i == 199) afterWarmup = ResidentBytes();
                // Steady state: every iteration ends with the same tensors alive (params, grads, momentum).
                if (i > 0) Assert.Equal(liveAfterFirst, Libtorch.LiveTensors);
            }

            afterAll = ResidentBytes();
            x.Dispose();
            y.Dispose();
        }

        Assert.Equal(baseline, Libtorch.LiveTensors);
        // 800 iterations after warm-up; a leak of even one small tensor per step would show as megabytes.
        Assert.True(afterAll - afterWarmup < 8 << 20,
            $"resident memory grew by {(afterAll - afterWarmup) / 1024} KiB over 800 iterations");
    }

    [Fact]
    public void ManyTemporaries_InAScope_AreAllFreed()
    {
        var baseline = ProcessCounters.SettledLiveTensors();
        using (DisposeScope.Enter())
        {
            var acc = Tensor.Zeros([16]);
            for (var i = 0; i < 1000; i++) acc = acc + Tensor.Ones([16]) * i;
            Assert.Equal(16 * 499500.0, acc.Sum().Item());
        }

        Assert.Equal(baseline, Libtorch.LiveTensors);
    }

    private static long ResidentBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return ProcessCounters.AnonymousResidentBytes();
    }

    /// <summary>conv → BN → ReLU → global pool → linear: every kind of state a real step touches.</summary>
    private sealed class TinyNet : IDisposable
    {
        private readonly Tensor _runningMean = Tensor.Zeros([6]).DetachFromScope();
        private readonly Tensor _runningVar = Tensor.Ones([6]).DetachFromScope();

        public TinyNet()
        {
            Parameters =
            [
                new Parameter("conv.weight", Init.KaimingNormalFanOut([6, 3, 3, 3])),
                new Parameter("bn.weight", Tensor.Ones([6])),
                new Parameter("bn.bias", Tensor.Zeros([6])),
                new Parameter("fc.weight", Init.DefaultWeight([4, 6])),
                new Parameter("fc.bias", Init.DefaultBias([4, 6])),
            ];
        }

        public List<Parameter> Parameters { get; }

        public Tensor Forward(Tensor x)
        {
            var h = F.Conv2d(x, Parameters[0].Value, padding: 1);
            h = F.BatchNorm(h, _runningMean, _runningVar, Parameters[1].Value, Parameters[2].Value, training: true).Relu();
            h = F.AdaptiveAvgPool2d(h, 1, 1).Flatten(1);
            return F.Linear(h, Parameters[3].Value, Parameters[4].Value);
        }

        public void Dispose()
        {
            foreach (var p in Parameters) p.Dispose();
            _runningMean.Dispose();
            _runningVar.Dispose();
        }
    }
}
