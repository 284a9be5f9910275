using Toolchain.Graph;
using Toolchain.Profiling;
using Toolchain.Pruning;
using Toolchain.TestSupport;

namespace Toolchain.Pipeline.Tests;

/// <summary>Which latency profile a job predicts with, and what it says when the profile cannot serve the model.</summary>
public sealed class LatencyProfilesTests
{
    [Fact]
    public void CostModel_ProfileWithoutTheModelsLayers_IsANoteWhenOptionalAndAnErrorNamingTheFixWhenNeeded()
    {
        using var dir = new TempDirectory();
        var path = dir.File("empty.json");
        new Profiler(ProfileEngines.Create("ort-cpu"), 1, new ProfilerOptions()).NewProfile().Save(path);
        using var model = ModelZoo.Create("resnet20");
        var groups = ChannelGroups.Discover(model);
        ModelGraph Open() => throw new InvalidOperationException("a named profile is never measured");
        var observer = new RecordingObserver();

        Assert.Null(LatencyProfiles.CostModel("ort-cpu", 1, path, groups, needed: false, Open, observer));
        Assert.Contains(observer.Lines, l => l.StartsWith($"note: no latency prediction for this model from '{path}'", StringComparison.Ordinal));

        var e = Assert.Throws<ArgumentException>(() => LatencyProfiles.CostModel("ort-cpu", 1, path, groups, needed: true, Open, observer));
        Assert.Contains($"'{path}' cannot predict this model's latency", e.Message);
        Assert.Contains("--profile auto", e.Message);
        Assert.Contains("'toolchain profile MODEL --engine ort-cpu --batch 1'", e.Message);
    }
}
