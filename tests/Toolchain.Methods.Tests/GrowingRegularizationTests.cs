namespace Toolchain.Methods.Tests;

/// <summary>GReg's λ schedule against hand-computed values, with magnitudes the test controls.</summary>
public sealed class GrowingRegularizationTests
{
    // Round numbers so λ is exact in binary: δλ = 0.25, τ = 1 → a layer is done after the 5th update (λ = 1.25 > 1).
    private static readonly GregSettings Exact = new() { UpdateInterval = 10, Delta = 0.25, Ceiling = 1, HoldIterations = 30 };

    [Fact]
    public void Greg1_PicksSmallestMagnitudesAtTheStart_AndGrowsOnlyTheirLambdaEveryUpdateInterval()
    {
        var layer = new GregLayer("conv", channels: 4, pruneCount: 2);
        var greg = new GrowingRegularization(Exact, [layer], _ => [0.5, 0.1, 0.9, 0.2]);

        Assert.Equal(GregStage.Growing, greg.Stage);
        Assert.Equal([false, true, false, true], layer.Pruned!);
        for (var iteration = 1; iteration <= 29; iteration++) greg.AfterStep(iteration);

        // Iterations 10 and 20 updated: λ = 2 · 0.25 on the pruned channels, 0 on the kept ones.
        Assert.Equal(2, greg.Updates);
        Assert.Equal([0, 0.5, 0, 0.5], layer.Lambda);
    }

    [Fact]
    public void Greg1_LayerDoneWhenLambdaExceedsTheCeiling_ThenHoldsThenFinishes()
    {
        var layer = new GregLayer("conv", 4, 2);
        var greg = new GrowingRegularization(Exact, [layer], _ => [0.5, 0.1, 0.9, 0.2]);

        for (var iteration = 1; iteration <= 40; iteration++) greg.AfterStep(iteration);
        Assert.False(layer.Done); // λ = 1.0 after 4 updates: not yet above τ
        for (var iteration = 41; iteration <= 50; iteration++) greg.AfterStep(iteration);
        Assert.True(layer.Done);  // λ = 1.25
        Assert.Equal(GregStage.Holding, greg.Stage);
        Assert.Equal(50, greg.AllDoneAt);

        for (var iteration = 51; iteration <= 79; iteration++) greg.AfterStep(iteration);
        Assert.Equal(GregStage.Holding, greg.Stage);
        Assert.Equal([0, 1.25, 0, 1.25], layer.Lambda); // held, not grown
        greg.AfterStep(80);
        Assert.Equal(GregStage.Finished, greg.Stage);
    }

    [Fact]
    public void Greg1_RatioTest_IsGlobal_AllLayersMustSeparate()
    {
        // Layer a separates at once (ratio 0.5 / 1e-4 = 5000 > 1000); layer b does not (ratio 2).
        var a = new GregLayer("a", 2, 1);
        var b = new GregLayer("b", 2, 1);
        var magnitudes = new Dictionary<string, double[]> { ["a"] = [0.5, 1e-4], ["b"] = [0.4, 0.2] };
        var greg = new GrowingRegularization(Exact with { Ceiling = 100 }, [a, b], l => magnitudes[l.Name]);

        greg.AfterStep(10);
        Assert.Equal(5000, a.MagnitudeRatio!.Value, 6);
        Assert.False(a.Done); // GReg-1 waits for every layer
        Assert.Equal(GregStage.Growing, greg.Stage);

        magnitudes["b"] = [0.4, 1e-5]; // b separates: ratio EMA 0.9 · 2 + 0.1 · 40000 = 4001.8
        greg.AfterStep(20);
        Assert.Equal(4001.8, b.MagnitudeRatio!.Value, 6);
        Assert.True(a.Done && b.Done);
        Assert.Equal(GregStage.Holding, greg.Stage);
    }

    [Fact]
    public void Greg2_PicksAfterThePickingStage_ThenKeptLambdaIsSetNotAccumulated()
    {
        var settings = Exact with { Variant = GregVariant.Greg2, PickDelta = 0.125, PickCeiling = 0.25, KeptLambda = -0.0625, Ceiling = 100, RatioThreshold = 1e12 };
        var layer = new GregLayer("conv", 3, 1);
        double[] magnitudes = [0.3, 0.2, 0.1];
        var greg = new GrowingRegularization(settings, [layer], _ => magnitudes);

        Assert.Equal(GregStage.Picking, greg.Stage);
        Assert.Null(layer.Pruned);
        greg.AfterStep(10);
        Assert.Equal([0.125, 0.125, 0.125], layer.Lambda); // every channel grows while picking
        magnitudes = [0.05, 0.2, 0.1]; // magnitudes moved during picking: channel 0 is now the weakest
        greg.AfterStep(20);
        Assert.Equal(GregStage.Growing, greg.Stage);
        Assert.Equal([true, false, false], layer.Pruned!);

        greg.AfterStep(30);
        greg.AfterStep(40);
        // The pruned λ grows on from the picking stage's 0.25; the kept λ is set to −0.0625 each time.
        Assert.Equal([0.25 + 2 * 0.25, -0.0625, -0.0625], layer.Lambda);
    }

    [Fact]
    public void Greg2_RatioTest_IsPerLayer()
    {
        var settings = Exact with { Variant = GregVariant.Greg2, PickDelta = 0.5, PickCeiling = 0.5, Ceiling = 100 };
        var a = new GregLayer("a", 2, 1);
        var b = new GregLayer("b", 2, 1);
        var magnitudes = new Dictionary<string, double[]> { ["a"] = [0.5, 1e-4], ["b"] = [0.4, 0.2] };
        var greg = new GrowingRegularization(settings, [a, b], l => magnitudes[l.Name]);

        greg.AfterStep(10); // picks
        greg.AfterStep(20); // grows: a's ratio 5000 passes, b's 2 does not
        Assert.True(a.Done);
        Assert.False(b.Done);
        var lambdaA = a.Lambda.ToArray();
        greg.AfterStep(30);
        Assert.Equal(lambdaA, a.Lambda); // a done: its λ no longer changes
    }

    [Fact]
    public void LayerPruningNothing_IsDoneFromTheStart()
    {
        var idle = new GregLayer("idle", 4, 0);
        var busy = new GregLayer("busy", 4, 1);
        var greg = new GrowingRegularization(Exact, [idle, busy], _ => [1, 2, 3, 4]);
        Assert.True(idle.Done);
        Assert.False(busy.Done);
        greg.AfterStep(10);
        Assert.All(idle.Lambda, l => Assert.Equal(0, l));
    }

    [Fact]
    public void GregLayer_PruningAllChannels_IsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GregLayer("conv", 4, 4));
        Assert.Throws<ArgumentException>(() => new GregLayer("conv", 4, 1).Pick([1, 2]));
    }
}
