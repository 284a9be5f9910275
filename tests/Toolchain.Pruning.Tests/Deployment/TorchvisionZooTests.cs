using System.Diagnostics;
using System.Globalization;
using Toolchain.Graph;
using Toolchain.Onnx;
using Toolchain.Runtime;
using Toolchain.TestSupport;
using Toolchain.Torch;
using Toolchain.Torch.Optim;
using Toolchain.Torch.Serialization;
using Xunit.Abstractions;
using F = Toolchain.Torch.Functional;

namespace Toolchain.Pruning.Tests.Deployment;

/// <summary>
/// The torchvision test matrix: for every family of <see cref="TorchvisionZoo"/> (the fast subset in <c>make test</c>,
/// all of them under <c>make test-zoo</c>), a user's model as PyTorch 1.13 exports it (BatchNorm folded into the
/// convolutions, dynamic batch) goes the whole way: it imports with PyTorch's logits at each of its opsets (our
/// executor, and ONNX Runtime running our export of it), trains a step, its channel groups are discovered (every
/// unprunable one with a reason), it is pruned by L1 to half of every prunable group and, on a second copy, to a MACs
/// budget of 50 % through the width allocator the pruning methods share; both are compacted, compute exactly what the
/// same channels masked compute, have the predicted parameters and MACs, and deploy to ONNX Runtime with the same
/// output. One summary line per family goes to the test output and, under <see cref="TorchvisionZoo.SummaryVariable"/>,
/// to that file.
/// </summary>
public sealed class TorchvisionZooTests(TorchvisionZooExports exports, ITestOutputHelper output) : IClassFixture<TorchvisionZooExports>
{
    private const double Tolerance = 1e-4;

    public static IEnumerable<object[]> Families => TorchvisionZoo.SelectedNames;

    [Theory]
    [MemberData(nameof(Families))]
    public void Family_ImportsTrainsPrunesCompactsAndDeploysWithPyTorchsOutputs(string name)
    {
        var clock = Stopwatch.StartNew();
        var export = exports.Get(name);
        var family = export.Family;
        var (input, logits) = LoadExpected(export.Expected);

        // 1. Import at every opset: our executor computes PyTorch's logits.
        var importError = 0.0;
        foreach (var opset in family.Opsets)
        {
            using var imported = OnnxImporter.Import(export.Onnx(opset));
            Assert.Equal([1L, 3, family.Height, family.Width], imported.InputShape);
            var error = DeploymentCheck.RelativeError(logits, DeploymentCheck.Execute(imported, input));
            Assert.True(error <= Tolerance, $"{name} opset {opset}: imported graph vs PyTorch differs by {error:E2} of the output scale");
            importError = Math.Max(importError, error);
        }

        // 2. The dense graph exported again runs in ONNX Runtime with PyTorch's logits.
        double denseOrtError;
        using (var graph = OnnxImporter.Import(export.Onnx()))
        {
            using var ort = OrtEngine.Load(OnnxExporter.Export(graph), name);
            denseOrtError = DeploymentCheck.RelativeError(logits, ort.Run([input])[0]);
            Assert.True(denseOrtError <= Tolerance, $"{name}: import → export → ONNX Runtime differs from PyTorch by {denseOrtError:E2}");
        }

        // 3. It trains: one SGD step reaches every parameter and moves the last conv.
        TrainOneStep(export.Onnx(), input, name);

        // 4. Uniform: L1 selects half of every prunable group; compacted (without folding, so removed channels are
        //    dropped exactly as masking drops them) it computes what the same channels masked compute.
        var l1 = Importance.Create("l1");
        DeploymentExpectation uniformExpected;
        int[] selected;
        int prunable, total;
        using (var reference = OnnxImporter.Import(export.Onnx()))
        {
            var groups = ChannelGroups.Discover(reference);
            (prunable, total) = (groups.Prunable.Count(), groups.Count);
            Assert.True(prunable > 0, $"{name}: no prunable group; {string.Join("; ", groups.Groups.Select(g => $"{g.Name}: {g.Reason}"))}");
            Assert.All(groups.Groups.Where(g => !g.Prunable), g => Assert.False(string.IsNullOrWhiteSpace(g.Reason)));
            var masks = UniformPruning.SelectMasks(groups, l1, 0.5);
            selected = masks.Widths();
            uniformExpected = MaskedExpectation(reference, groups, masks, input);
        }

        long parametersBefore, macsBefore, parametersAfter, macsAfter;
        DeploymentErrors uniform;
        using (var graph = OnnxImporter.Import(export.Onnx()))
        {
            var report = OneShotPruning.Prune(graph, l1, 0.5, options: new CompactionOptions { FoldConstants = false });
            Assert.Empty(report.Compaction.Folds);
            Assert.Equal(selected, report.Compaction.WidthsAfter);
            Assert.All(report.Groups.Where(g => g.Prunable), g => Assert.Equal(g.Channels - g.Channels / 2, g.Kept));
            Assert.Equal(uniformExpected.PredictedParameters, report.ParametersAfter);
            Assert.Equal(uniformExpected.PredictedMacs, report.MacsAfter);
            (parametersBefore, macsBefore, parametersAfter, macsAfter) = (report.ParametersBefore, report.MacsBefore, report.ParametersAfter, report.MacsAfter);
            uniform = DeploymentCheck.AssertDeploys(graph, input, uniformExpected);
        }

        // 5. A MACs budget of 50 % through the width allocator, by L1 scores: met exactly by the cost model, then
        //    masked, compacted and deployed.
        DeploymentErrors budget;
        long budgetMacs;
        using (var graph = OnnxImporter.Import(export.Onnx()))
        {
            var groups = ChannelGroups.Discover(graph);
            var budgets = BudgetSet.Resolve(groups, [BudgetSpec.Parse("macs=50%")], cost => cost == "macs" ? new MacCost(groups) : null);
            var scores = groups.Prunable.ToDictionary(g => g.Id, g => l1.Score(groups, g));
            var allocation = WidthAllocator.Allocate(groups, scores, budgets);
            var expected = MaskedExpectation(graph, groups, allocation.Masks, input);
            Assert.True(expected.PredictedMacs <= 0.5 * macsBefore * (1 + 1e-9), $"{name}: {expected.PredictedMacs:N0} MACs allocated over the budget of half of {macsBefore:N0}");
            budgetMacs = expected.PredictedMacs;
            var report = Compactor.Compact(groups, allocation.Masks);
            Assert.Empty(report.Folds); // masked channels contribute nothing
            budget = DeploymentCheck.AssertDeploys(graph, input, expected);
        }

        var line = string.Create(CultureInfo.InvariantCulture,
            $"{name,-25} {family.SizeText,5}px opsets {string.Join('/', family.Opsets),-8} | import Δ {importError:0.0e+00} ORT Δ {denseOrtError:0.0e+00} | " +
            $"groups {prunable}/{total} prunable | uniform-50%: compaction Δ {uniform.Compaction:0.0e+00} ORT Δ {uniform.OnnxRuntime:0.0e+00} " +
            $"params {Millions(parametersBefore)}→{Millions(parametersAfter)} MACs {Millions(macsBefore)}→{Millions(macsAfter)} | " +
            $"macs=50%: MACs →{Millions(budgetMacs)} compaction Δ {budget.Compaction:0.0e+00} ORT Δ {budget.OnnxRuntime:0.0e+00} | {clock.Elapsed.TotalSeconds:F1} s");
        output.WriteLine(line);
        if (Environment.GetEnvironmentVariable(TorchvisionZoo.SummaryVariable) is { Length: > 0 } summary)
        {
            lock (SummaryLock) File.AppendAllText(summary, line + Environment.NewLine);
        }
    }

    private static readonly object SummaryLock = new();

    private static string Millions(long count) => string.Create(CultureInfo.InvariantCulture, $"{count / 1e6:F2}M");

    private static (HostTensor Input, HostTensor Logits) LoadExpected(string path)
    {
        var tensors = SafeTensors.Load(path);
        try
        {
            return (DeploymentCheck.ToHost(tensors["x"]), DeploymentCheck.ToHost(tensors["logits"]));
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    private static void TrainOneStep(string onnx, HostTensor input, string name)
    {
        using var scope = DisposeScope.Enter();
        using var graph = OnnxImporter.Import(onnx);
        var last = graph.GetParameter(graph.Nodes.Last(n => n.Op == OpKind.Conv).TensorName(TensorRole.Weight)!);
        var before = last.Value.ToArray<float>();
        graph.Training = true;
        using var sgd = new Sgd(graph.Parameters, learningRate: 0.01, momentum: 0.9);
        var x = Tensor.FromArray(input.Data, input.Shape);
        // A class per image for a classifier ([N, classes] scores), a class per pixel for a segmentation network ([N, classes, H, W]).
        var scores = graph.Forward(x);
        var classes = scores.Size(1);
        var labelShape = scores.Shape.Where((_, d) => d != 1).ToArray();
        var labels = Tensor.FromArray(Enumerable.Range(0, (int)Shapes.Product(labelShape)).Select(i => i * 379L % classes).ToArray(), labelShape);
        var loss = F.CrossEntropy(scores, labels);
        Assert.True(double.IsFinite(loss.Item()), $"{name}: loss {loss.Item()}");
        loss.Backward();
        // Backward passes through every op down to the first conv.
        Assert.All(graph.Parameters, p => Assert.True(p.Grad is not null, $"{name}: {p.Name} got no gradient"));
        sgd.Step();
        Assert.NotEqual(before, last.Value.ToArray<float>());
    }

    /// <summary>Predicts the costs of <paramref name="masks"/>' widths, then masks the graph and runs it.</summary>
    private static DeploymentExpectation MaskedExpectation(ModelGraph graph, ChannelGroups groups, GroupMasks masks, HostTensor input)
    {
        Assert.True(masks.RemovesAny, $"{graph.Name}: nothing to prune");
        var widths = masks.Widths();
        var parameters = (long)new ParameterCost(groups).Total(widths);
        var macs = (long)new MacCost(groups).Total(widths);
        Masking.Apply(groups, masks);
        return new DeploymentExpectation(DeploymentCheck.Execute(graph, input), parameters, macs, Tolerance);
    }
}
