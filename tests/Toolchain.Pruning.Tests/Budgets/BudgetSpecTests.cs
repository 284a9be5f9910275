namespace Toolchain.Pruning.Tests.Budgets;

public sealed class BudgetSpecTests
{
    public static TheoryData<string, string, double, bool> Accepted => new()
    {
        { "latency=50%", "latency", 0.5, true },
        { "latency=0.45ms", "latency", 0.45, false },
        { "latency=450us", "latency", 0.45, false },
        { "macs=40%", "macs", 0.4, true },
        { "macs=20M", "macs", 20e6, false },
        { "macs=1.5G", "macs", 1.5e9, false },
        { "macs=300000", "macs", 300000, false },
        { "params=50%", "params", 0.5, true },
        { "params=120k", "params", 120e3, false },
        { "params=1.2M", "params", 1.2e6, false },
        { "  Latency = 0.45 ms  ", "latency", 0.45, false },
        { "MACS=40%", "macs", 0.4, true },
        { "params=12.5%", "params", 0.125, true },
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void Parse_AcceptedForm_GivesCostValueAndKind(string text, string cost, double value, bool isFraction)
    {
        var spec = BudgetSpec.Parse(text);
        Assert.Equal(cost, spec.Cost);
        Assert.Equal(value, spec.Value, 12);
        Assert.Equal(isFraction, spec.IsFraction);
    }

    [Theory]
    [InlineData("energy=50%")]
    [InlineData("latency=20M")]
    [InlineData("latency=0.45")]
    [InlineData("macs=5ms")]
    [InlineData("params=0%")]
    [InlineData("params=100%")]
    [InlineData("params=150%")]
    [InlineData("params=-3")]
    [InlineData("params=0")]
    [InlineData("params=0.5")]
    [InlineData("params=")]
    [InlineData("=50%")]
    [InlineData("foo")]
    [InlineData("")]
    [InlineData("macs=20m")]
    [InlineData("macs=1e6")]
    [InlineData("macs=20M=3")]
    [InlineData("params=50%%")]
    public void Parse_RejectedForm_ThrowsFormatQuotingTheTextAndTheAcceptedForms(string text)
    {
        var error = Assert.Throws<FormatException>(() => BudgetSpec.Parse(text));
        Assert.Contains($"'{text}'", error.Message);
        Assert.Contains("latency=0.45ms", error.Message);
        Assert.Contains("params=120k", error.Message);
    }

    [Theory]
    [InlineData("latency=50%", "latency=50%")]
    [InlineData("latency=0.45ms", "latency=0.45ms")]
    [InlineData("latency=450us", "latency=0.45ms")]
    [InlineData("macs=40%", "macs=40%")]
    [InlineData("macs=20M", "macs=20M")]
    [InlineData("macs=1.5G", "macs=1.5G")]
    [InlineData("macs=300000", "macs=300k")]
    [InlineData("macs=999", "macs=999")]
    [InlineData("params=50%", "params=50%")]
    [InlineData("params=120k", "params=120k")]
    [InlineData("params=1.2M", "params=1.2M")]
    [InlineData(" PARAMS = 1234567 ", "params=1.234567M")]
    [InlineData("latency=45%", "latency=45%")]
    public void ToString_ParsedSpec_IsCanonicalAndParsesBackEqual(string text, string canonical)
    {
        var spec = BudgetSpec.Parse(text);
        Assert.Equal(canonical, spec.ToString());
        Assert.Equal(spec, BudgetSpec.Parse(spec.ToString()));
    }

    [Fact]
    public void LimitFor_FractionOrAbsolute_ScalesOnlyTheFraction()
    {
        Assert.Equal(250.0, BudgetSpec.Parse("params=25%").LimitFor(1000), 9);
        Assert.Equal(120e3, BudgetSpec.Parse("params=120k").LimitFor(1000));
    }

    [Fact]
    public void Constructor_InvalidValues_ThrowNamingTheCost()
    {
        Assert.Contains("energy", Assert.Throws<ArgumentException>(() => new BudgetSpec("energy", 0.5, true)).Message);
        Assert.Contains("macs", Assert.Throws<ArgumentOutOfRangeException>(() => new BudgetSpec("macs", 1.5, true)).Message);
        Assert.Contains("params", Assert.Throws<ArgumentOutOfRangeException>(() => new BudgetSpec("params", -1, false)).Message);
        Assert.Equal("macs", new BudgetSpec("MACS", 0.5, true).Cost);
    }
}
