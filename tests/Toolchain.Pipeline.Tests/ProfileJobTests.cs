using Toolchain.Graph;
using Toolchain.Graph.Serialization;
using Toolchain.Profiling;
using Toolchain.TestSupport;

namespace Toolchain.Pipeline.Tests;

/// <summary>The profile-many-models workflow without the command line: saved model by model, so an interruption keeps what was finished.</summary>
public sealed class ProfileJobTests
{
    /// <summary>Few samples, no refinement, a short calibration: seconds per tiny model.</summary>
    private static readonly ProfilerOptions Quick = new()
    {
        Runs = 3, Warmup = 1, MaxInitialPoints = 2, Refine = false, CalibrationSamples = 2, Calibration = new ModelMeasurement { MinSeconds = 0 },
    };

    /// <summary>[1, 3, 8, 8] → conv 3→W → conv W→W → pool → linear.</summary>
    private static string Tiny(TempDirectory dir, string name, int width)
    {
        var path = dir.File(name + ".safetensors");
        using var b = new GraphBuilder(name, [1, 3, 8, 8], seed: 1);
        var x = b.Relu(b.BatchNorm(b.Conv(b.Input, width, 3, padding: 1, bias: false, name: "stem"), "stem_bn"), "stem_relu");
        var y = b.Relu(b.BatchNorm(b.Conv(x, width, 3, padding: 1, bias: false, name: "conv"), "conv_bn"), "conv_relu");
        y = b.Flatten(b.GlobalAveragePool(y, "pool"), name: "flatten");
        b.Output(b.Linear(y, 4, name: "fc"));
        using var graph = b.Build();
        GraphFile.Save(graph, path);
        return path;
    }

    private sealed class Observer(Action<ProfileResult>? onProfiled = null) : IProfileObserver
    {
        public List<string> Profiled { get; } = [];

        public void Info(string message)
        {
        }

        public T WithProgress<T>(string title, Func<IProgressBar, T> work) => work(new Bar());

        void IProfileObserver.Profiled(ProfileResult result)
        {
            Profiled.Add(result.Model);
            onProfiled?.Invoke(result);
        }

        private sealed class Bar : IProgressBar
        {
            public void Update(string description, double completed, double total)
            {
            }
        }
    }

    [Fact]
    public void Run_InterruptedAfterTheFirstModel_KeepsItInTheFile_AndTheSameRequestMeasuresOnlyTheRest()
    {
        using var dir = new TempDirectory();
        var request = new ProfileRequest { Models = [Tiny(dir, "narrow", 4), Tiny(dir, "wide", 12)], Output = dir.File("p.json"), Options = Quick };
        using var cancel = new CancellationTokenSource();
        var stopping = new Observer(_ => cancel.Cancel());

        Assert.ThrowsAny<OperationCanceledException>(() => ProfileJob.Run(request, stopping, cancel.Token));
        Assert.Equal(["narrow"], stopping.Profiled);
        Assert.Equal(["narrow"], LatencyProfile.Load(request.Output!).Calibrations.Select(c => c.Model));

        var observer = new Observer();
        var (path, profile, models) = ProfileJob.Run(request, observer);

        Assert.Equal(request.Output, path);
        Assert.Equal(["narrow", "wide"], observer.Profiled);
        Assert.All(models[0].Configurations, c => Assert.True(c.Reused, c.Key)); // measured before the interruption
        Assert.Contains(models[1].Configurations, c => !c.Reused);
        Assert.Equal(["narrow", "wide"], profile.Calibrations.Select(c => c.Model).Order());
        Assert.Equal(profile.Layers.Count, LatencyProfile.Load(path).Layers.Count);
    }

    [Fact]
    public void Run_BadSettings_AreRefusedNamingTheOptionBeforeAnythingIsMeasured()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<ArgumentException>(() => ProfileJob.Run(new ProfileRequest { Models = ["resnet20"], Batch = 0, Output = dir.File("p.json") }, new Observer()));

        Assert.Contains("--batch", e.Message);
        Assert.False(File.Exists(dir.File("p.json")));
    }
}
