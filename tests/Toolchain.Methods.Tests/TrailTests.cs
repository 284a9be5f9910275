using Toolchain.Torch.Serialization;
using Toolchain.TestSupport;

namespace Toolchain.Methods.Tests;

public sealed class TrailTests
{
    [Fact]
    public void Add_WithAPath_WritesTheWholeTrailEachTime_AndLoadReadsItBack()
    {
        using var dir = new TempDirectory();
        var path = dir.File("run.trail.json");
        var trail = new Trail("resnet20", "fsa", ["conv1", "layer1.0.conv1"], ["latency=50%"], path);

        trail.Add(Entry(1, [16, 12], 0.61));
        trail.Add(Entry(2, [14, 9], 0.49) with { BudgetsMet = true });

        var loaded = Trail.Load(path);
        Assert.Equal("fsa", loaded.Method);
        Assert.Equal(["conv1", "layer1.0.conv1"], loaded.GroupNames);
        Assert.Equal(2, loaded.Entries.Count);
        Assert.Equal([14, 9], loaded.Entries[1].Widths);
        Assert.Equal(0.49, loaded.Entries[1].Costs["latency"]);
        Assert.True(loaded.Entries[1].BudgetsMet);
        Assert.Empty(Directory.GetFiles(dir.Path, "*" + AtomicFile.PartialSuffix)); // written through a temporary file, renamed
    }

    [Fact]
    public void Add_WrongNumberOfWidths_IsRefused()
    {
        var trail = new Trail("m", "l1", ["a", "b"], []);
        Assert.Throws<ArgumentException>(() => trail.Add(Entry(1, [3], 1)));
    }

    [Fact]
    public void Load_NotATrail_SaysSo()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("x.json"), "{ not json");
        Assert.Contains("not a trail file", Assert.Throws<InvalidDataException>(() => Trail.Load(dir.File("x.json"))).Message);
        Assert.Throws<FileNotFoundException>(() => Trail.Load(dir.File("missing.json")));
    }

    private static TrailEntry Entry(int epoch, int[] widths, double latency) => new()
    {
        Phase = "prune", Epoch = epoch, Widths = widths, Costs = new Dictionary<string, double> { ["latency"] = latency }, TestTop1 = 0.9,
    };
}
