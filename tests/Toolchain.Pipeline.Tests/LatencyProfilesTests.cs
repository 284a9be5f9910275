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

    [Fact]
    public void Covers_ACalibrationWithoutTheNarrowestWidths_IsMeasuredAgain()
    {
        var profile = LatencyProfile.Load(Path.Combine(ProfileLocator.FindFolder()!, "ort-cpu-2core-b1.json"));
        using var model = ModelZoo.Create("resnet20");
        var groups = ChannelGroups.Discover(model);
        var calibration = profile.FindCalibration(model.Name, Profiler.Topology(model))!;
        var narrowest = groups.Groups.Select(g => g.Prunable ? 1 : g.Channels).ToArray();
        Assert.True(LatencyProfiles.Covers(profile, groups)); // the profile as measured includes the narrowest point

        // A calibration made before that point existed (dense, uniform and random widths only) is measured again.
        var older = calibration.Points.Where(p => p.Widths is null || !p.Widths.SequenceEqual(narrowest)).ToList();
        Assert.Equal(calibration.Points.Count - 1, older.Count);
        profile.SetCalibration(calibration with { Points = older });
        Assert.False(LatencyProfiles.Covers(profile, groups));

        profile.SetCalibration(calibration with { Points = [.. older, new CalibrationPoint("narrowest", 0.05, 0.16, 42, narrowest)] });
        Assert.True(LatencyProfiles.Covers(profile, groups));
    }
}
