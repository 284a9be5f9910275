using Toolchain.TestSupport;

namespace Toolchain.Pipeline.Tests;

/// <summary>Reading pipeline configurations: defaults, overrides, and errors that name file, line, key and what is allowed.</summary>
public sealed class PipelineConfigTests
{
    [Fact]
    public void Default_IsTheEmbeddedFile_AndEqualsTheCodeDefaults()
    {
        var fromFile = PipelineConfigLoader.Load(null);
        var fromCode = new PipelineConfig();

        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(fromCode), System.Text.Json.JsonSerializer.Serialize(fromFile));
        Assert.Contains("# Toolchain pipeline configuration", PipelineConfigLoader.DefaultYaml());
    }

    [Fact]
    public void Parse_ReadsEverySection_AndKeepsDefaultsForMissingKeys()
    {
        var config = PipelineConfigLoader.Parse("""
            model: resnet56
            target:
              batch: 8
            prune:
              method: greg2
              budgets: [latency=40%, params=50%]
            gates:
              accuracyFloor: 0.9
              parity: null
            """, "p.yaml");

        Assert.Equal("resnet56", config.Model);
        Assert.Equal(8, config.Target.Batch);
        Assert.Equal("auto", config.Target.Profile); // not given: the default
        Assert.Equal(["latency=40%", "params=50%"], config.Prune.Budgets);
        Assert.Equal(0.9, config.Gates.AccuracyFloor);
        Assert.Null(config.Gates.Parity);
        Assert.Equal([1, 8], config.BenchmarkBatches); // the target batch is always measured
    }

    [Fact]
    public void Set_OverridesKeys_WithYamlValues_AndCreatesSections()
    {
        var config = PipelineConfigLoader.Parse("model: resnet20\n", "p.yaml", ["prune.budgets=[macs=30%]", "target.batch=4", "gates.minSpeedup=1.5", "output=/tmp/x"]);

        Assert.Equal(["macs=30%"], config.Prune.Budgets);
        Assert.Equal(4, config.Target.Batch);
        Assert.Equal(1.5, config.Gates.MinSpeedup);
        Assert.Equal("/tmp/x", config.Output);
    }

    [Fact]
    public void Set_ReachesTheMethodOptions()
    {
        var config = PipelineConfigLoader.Parse("prune:\n  method: swd\n", "p.yaml", ["prune.options.swdMask=allocated", "prune.options.hfpLambda=5"]);
        Assert.Equal(("swd", "allocated", 5.0, 5.0), (config.Prune.Method, config.Prune.Options.SwdMask, config.Prune.Options.HfpLambda, config.Prune.Options.Mu));
    }

    [Theory]
    [InlineData("model: resnet20\ntarget:\n  batchsize: 8\n", "p.yaml:3:3: unknown key 'target.batchsize'; allowed in 'target': engine, batch, profile, allowForeignProfile")]
    [InlineData("model: resnet20\nprune:\n  epochs: two\n", "p.yaml:3:11: 'prune.epochs' needs an integer, got 'two'")]
    [InlineData("colour: blue\n", "p.yaml:1:1: unknown key 'colour'; allowed in the top level: model, data, train, target, prune, benchmark, gates, output")]
    [InlineData("prune: fsa\n", "p.yaml:1:8: 'prune' is a section: give its keys (method, budgets,")]
    [InlineData("model: [a, b]\n", "p.yaml:1:8: 'model' takes a single text, not a list")]
    [InlineData("target:\n  batch: null\n", "p.yaml:2:10: 'target.batch' needs an integer; null is not allowed here")]
    [InlineData("model: resnet20\n  data: x\n", "p.yaml:2:7: malformed YAML")]
    [InlineData("target:\n  batch: 0\n", "p.yaml: 'target.batch' must be at least 1 (got 0)")]
    [InlineData("prune:\n  budgets: []\n", "'prune.budgets' is empty")]
    [InlineData("prune:\n  method: obd\n", "'prune.method' is 'obd'; known: fsa,")]
    [InlineData("prune:\n  sparsity: blocks\n", "'prune.sparsity' is 'blocks'; allowed: structured, unstructured")]
    [InlineData("prune:\n  options:\n    swdMask: global\n", "'prune.options.swdMask' is 'global'; allowed: threshold, allocated, l1-cut")]
    [InlineData("prune:\n  options:\n    mue: 3\n", "p.yaml:3:5: unknown key 'prune.options.mue'; allowed in 'prune.options': mu, fsaSelection,")]
    public void Parse_BadInput_NamesLineKeyAndWhatIsAllowed(string yaml, string expected)
    {
        var e = Assert.Throws<PipelineConfigException>(() => PipelineConfigLoader.Parse(yaml, "p.yaml"));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Set_WithoutEquals_OrUnknownKey_IsRefused()
    {
        Assert.Contains("write section.key=value", Assert.Throws<PipelineConfigException>(() => PipelineConfigLoader.Parse("", "p.yaml", ["target.batch"])).Message);
        Assert.Contains("unknown key 'target.speed'", Assert.Throws<PipelineConfigException>(() => PipelineConfigLoader.Parse("", "p.yaml", ["target.speed=3"])).Message);
    }

    [Fact]
    public void Load_MissingFile_SaysHowToStart()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<FileNotFoundException>(() => PipelineConfigLoader.Load(dir.File("none.yaml")));
        Assert.Contains("--print-default", e.Message);
    }
}
