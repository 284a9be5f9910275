using Toolchain.Graph;
using Toolchain.TestSupport;
using Toolchain.Torch;
using Toolchain.Torch.Optim;
using Toolchain.Training.Data;

namespace Toolchain.Training.Tests;

public sealed class TrainerHookTests
{
    [Fact]
    public void ExtraLoss_QuadraticPenaltyOnOneParameter_AddsExactly2CWToItsGradient()
    {
        // One batch per epoch: both runs take the same first step from the same weights and images, so the only
        // difference in fc.weight's gradient is the penalty's d(c·Σw²)/dw = 2c·w.
        const double c = 0.5;
        var data = SmallShapes(train: 64, test: 32);
        var plain = FirstStep(data, penalty: null);
        var penalized = FirstStep(data, penalty: c);

        Assert.Equal(plain.Weight, penalized.Weight);
        Assert.Contains(penalized.Weight, w => Math.Abs(w) > 1e-3); // so a missing 2c·w could not pass unnoticed
        for (var i = 0; i < plain.Grad.Length; i++)
        {
            Assert.Equal(plain.Grad[i] + 2 * c * penalized.Weight[i], penalized.Grad[i], 1e-6);
        }

        // The reported loss stays the cross-entropy; the penalty is reported beside it.
        Assert.Equal(plain.Step.Loss!.Value, penalized.Step.Loss!.Value, 1e-6);
        Assert.Null(plain.Step.ExtraLoss);
        var expectedPenalty = c * penalized.Weight.Sum(w => (double)w * w);
        Assert.Equal(expectedPenalty, penalized.Step.ExtraLoss!.Value, expectedPenalty * 1e-5);
    }

    [Fact]
    public void ExtraLoss_NotAScalar_IsRefusedNamingTheHook()
    {
        var data = SmallShapes(train: 64, test: 32);
        using var graph = ModelZoo.Create("resnet20", 10, seed: 2);
        using var trainer = new Trainer(graph, "resnet20", data, new TrainingOptions { Epochs = 1, BatchSize = 64, WarmupEpochs = 0 });
        trainer.Hooks.Add(new Hook { OnExtraLoss = (_, logits) => logits });

        var e = Assert.Throws<InvalidOperationException>(() => trainer.Run().ToList());
        Assert.Contains("Hook returned an extra loss of shape [64, 10]", e.Message);
        Assert.Contains("must be a scalar", e.Message);
    }

    [Fact]
    public void Hooks_TwoEpochsOfThreeBatches_RunInListOrderPerStepAndPerEpochBeforeTheCheckpoint()
    {
        using var dir = new TempDirectory();
        var data = SmallShapes(train: 192, test: 32);
        var options = new TrainingOptions { Epochs = 2, BatchSize = 64, LearningRate = 0.05, WarmupEpochs = 0 };
        using var graph = ModelZoo.Create("resnet20", 10, seed: 7);
        var fc = graph.Parameters.Single(p => p.Name == "fc.weight");
        using var trainer = new Trainer(graph, "resnet20", data, options);
        var log = new List<string>();
        var steps = new List<TrainingStep>();
        var epochs = new List<EpochReport>();
        trainer.Hooks.Add(new Hook
        {
            OnAfterStep = s =>
            {
                steps.Add(s);
                log.Add($"step {s.Iteration} first");
            },
            OnAfterEpoch = r =>
            {
                epochs.Add(r);
                log.Add($"epoch {r.Epoch} first");
                Assert.Same(r, trainer.History[^1]);
                Assert.Equal(r.Epoch, trainer.EpochsCompleted);
                if (r.Epoch == 1) fc.Mask = RowMask(rows: 10, zeroRow: PrunedClass);
            },
        });
        trainer.Hooks.Add(new Hook
        {
            OnAfterStep = s => log.Add($"step {s.Iteration} second"),
            OnAfterEpoch = r => log.Add($"epoch {r.Epoch} second"),
        });

        var checkpoint = dir.File("hooked.safetensors");
        using (var run = trainer.Run(checkpoint).GetEnumerator())
        {
            Assert.True(run.MoveNext()); // epoch 1 is done and its checkpoint is on disk
            var (file, state, _) = Checkpoint.Load(checkpoint);
            using (file)
            {
                Assert.Equal(1, state!.EpochsCompleted);
                var rows = Rows(file.Graph.GetTensor("fc.weight"), 10);
                Assert.All(rows[PrunedClass], w => Assert.Equal(0f, w));
                Assert.All(rows.Where((_, i) => i != PrunedClass), row => Assert.Contains(row, w => w != 0));
            }

            Assert.True(run.MoveNext());
            Assert.False(run.MoveNext());
        }

        Assert.Equal([1L, 2, 3, 4, 5, 6], steps.Select(s => s.Iteration));
        Assert.Equal([(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (2, 3)], steps.Select(s => (s.Epoch, s.BatchInEpoch)));
        Assert.All(steps, s =>
        {
            Assert.Same(trainer, s.Trainer);
            Assert.Equal(3, s.BatchesPerEpoch);
            Assert.True(double.IsFinite(s.Loss!.Value));
            Assert.Null(s.ExtraLoss);
        });
        Assert.Equal(trainer.History, epochs);
        var expectedLog = new List<string>();
        for (var epoch = 1; epoch <= 2; epoch++)
        {
            for (var iteration = epoch * 3 - 2; iteration <= epoch * 3; iteration++)
            {
                expectedLog.AddRange([$"step {iteration} first", $"step {iteration} second"]);
            }

            expectedLog.AddRange([$"epoch {epoch} first", $"epoch {epoch} second"]);
        }

        Assert.Equal(expectedLog, log);
    }

    [Fact]
    public void Hooks_WithOnlyDefaultMembers_LeaveTrainingUnchanged()
    {
        var data = SmallShapes(train: 128, test: 32);
        var options = new TrainingOptions { Epochs = 1, BatchSize = 64, WarmupEpochs = 0 };
        using var plain = ModelZoo.Create("resnet20", 10, seed: 4);
        using (var trainer = new Trainer(plain, "resnet20", data, options)) trainer.Run().ToList();
        using var hooked = ModelZoo.Create("resnet20", 10, seed: 4);
        using (var trainer = new Trainer(hooked, "resnet20", data, options))
        {
            trainer.Hooks.Add(new NothingHook());
            trainer.Run().ToList();
        }

        foreach (var (name, expected) in plain.StateDict())
        {
            Assert.Equal(expected.ToArray<float>(), hooked.GetTensor(name).ToArray<float>());
        }
    }

    [Fact]
    public void OptimizerFactory_AdamW_IsTheOptimizerTheTrainerStepsAndCheckpoints()
    {
        using var dir = new TempDirectory();
        var data = SmallShapes(train: 64, test: 32);
        var options = new TrainingOptions { Epochs = 1, BatchSize = 64, WarmupEpochs = 0 };
        using var graph = ModelZoo.Create("resnet20", 10, seed: 9);
        IReadOnlyList<Parameter>? givenParameters = null;
        TrainingOptions? givenOptions = null;
        AdamW? made = null;
        using var trainer = new Trainer(graph, "resnet20", data, options, (parameters, o) =>
        {
            givenParameters = parameters;
            givenOptions = o;
            return made = new AdamW(parameters, learningRate: 2e-3);
        });

        Assert.Same(made, trainer.Optimizer);
        Assert.Same(graph.Parameters, givenParameters);
        Assert.Same(options, givenOptions);
        var report = Assert.Single(trainer.Run(dir.File("adamw.safetensors")));
        Assert.Equal(1, made!.StepCount);
        Assert.Equal(2e-3, report.LearningRate); // AdamW's rate, not the options' 0.1
        var (file, _, optimizerState) = Checkpoint.Load(dir.File("adamw.safetensors"));
        using var _ = file;
        Assert.Contains("fc.weight/exp_avg", optimizerState.Keys);
        Assert.Contains("fc.weight/exp_avg_sq", optimizerState.Keys);
        Assert.DoesNotContain(optimizerState.Keys, k => k.EndsWith("momentum_buffer", StringComparison.Ordinal));
    }

    [Fact]
    public void ScheduleFactory_Constant_KeepsTheBaseRateAtEveryStep()
    {
        // A warm-up epoch in the options: the default schedule would start at 10 % of the rate.
        var data = SmallShapes(train: 192, test: 32);
        var options = new TrainingOptions { Epochs = 1, BatchSize = 64, LearningRate = 1e-3, WarmupEpochs = 1 };
        using var graph = ModelZoo.Create("resnet20", 10, seed: 6);
        (long Total, long Warmup)? given = null;
        using var trainer = new Trainer(graph, "resnet20", data, options, scheduleFactory: (total, warmup) =>
        {
            given = (total, warmup);
            return new ConstantSchedule();
        });
        var rates = new List<double>();
        trainer.Hooks.Add(new Hook { OnAfterStep = _ => rates.Add(trainer.Optimizer.Groups[0].LearningRate) });
        var report = Assert.Single(trainer.Run());

        Assert.Equal((3L, 3L), given);
        Assert.Equal([1e-3, 1e-3, 1e-3], rates);
        Assert.Equal(1e-3, report.LearningRate);
        Assert.Equal(0.1, Trainer.DefaultSchedule(3, 3).Factor(0), 12);
    }

    [Fact]
    public void GradientTerm_AddedThroughTheTrainersOptimizer_ChangesEveryUpdate()
    {
        // The term zeroes fc.weight's gradient; without weight decay its momentum stays 0, so it must not move.
        var data = SmallShapes(train: 192, test: 32);
        var options = new TrainingOptions { Epochs = 1, BatchSize = 64, WeightDecay = 0, WarmupEpochs = 0 };
        using var graph = ModelZoo.Create("resnet20", 10, seed: 8);
        var weightBefore = graph.GetTensor("fc.weight").ToArray<float>();
        var biasBefore = graph.GetTensor("fc.bias").ToArray<float>();
        using var trainer = new Trainer(graph, "resnet20", data, options);
        var term = new ZeroGradientOf("fc.weight");
        trainer.Optimizer.GradientTerms.Add(term);
        trainer.Run().ToList();

        Assert.Equal(3, term.Applied);
        Assert.Equal(weightBefore, graph.GetTensor("fc.weight").ToArray<float>());
        Assert.NotEqual(biasBefore, graph.GetTensor("fc.bias").ToArray<float>());
    }

    [Fact]
    public void Evaluate_AfterTheLastEpoch_MatchesItsReportAndKeepsTrainingMode()
    {
        var data = SmallShapes(train: 64, test: 48);
        using var graph = ModelZoo.Create("resnet20", 10, seed: 10);
        using var trainer = new Trainer(graph, "resnet20", data, new TrainingOptions { Epochs = 1, BatchSize = 64, WarmupEpochs = 0 });
        var report = Assert.Single(trainer.Run());
        graph.Training = true;

        var result = trainer.Evaluate();
        Assert.Equal(48, result.Samples);
        Assert.Equal(report.TestTop1, result.Top1);
        Assert.Equal(report.TestLoss, result.Loss, 1e-9);
        Assert.True(graph.Training);
    }

    private const int PrunedClass = 3;

    private static (float[] Grad, float[] Weight, TrainingStep Step) FirstStep(DataSource data, double? penalty)
    {
        using var graph = ModelZoo.Create("resnet20", 10, seed: 5);
        var fc = graph.Parameters.Single(p => p.Name == "fc.weight");
        using var trainer = new Trainer(graph, "resnet20", data, new TrainingOptions { Epochs = 1, BatchSize = 64, WarmupEpochs = 0 });
        float[]? grad = null, weight = null;
        TrainingStep? step = null;
        if (penalty is { } c) trainer.Hooks.Add(new Hook { OnExtraLoss = (_, _) => fc.Value.Square().Sum() * c });
        trainer.Hooks.Add(new Hook
        {
            OnAfterBackward = _ =>
            {
                grad = fc.Grad!.ToArray<float>();
                weight = fc.Value.Detach().ToArray<float>();
            },
            OnAfterStep = s => step = s,
        });
        Assert.Single(trainer.Run());
        return (grad!, weight!, step!);
    }

    /// <summary>A [rows, 1] mask of ones with a zero at <paramref name="zeroRow"/>.</summary>
    private static Tensor RowMask(int rows, int zeroRow)
    {
        var values = Enumerable.Repeat(1f, rows).ToArray();
        values[zeroRow] = 0;
        return Tensor.FromSpan<float>(values, rows, 1);
    }

    private static float[][] Rows(Tensor matrix, int rows)
    {
        var values = matrix.ToArray<float>();
        return values.Chunk(values.Length / rows).ToArray();
    }

    private static DataSource SmallShapes(int train, int test) => DataSource.Open(DataSource.Shapes10Name, trainCount: train, testCount: test);

    /// <summary>A hook whose members do what the test gives them (nothing by default).</summary>
    private sealed class Hook : ITrainingHook
    {
        public Func<TrainingStep, Tensor, Tensor?>? OnExtraLoss { get; init; }
        public Action<TrainingStep>? OnAfterBackward { get; init; }
        public Action<TrainingStep>? OnAfterStep { get; init; }
        public Action<EpochReport>? OnAfterEpoch { get; init; }

        public Tensor? ExtraLoss(TrainingStep step, Tensor logits) => OnExtraLoss?.Invoke(step, logits);

        public void AfterBackward(TrainingStep step) => OnAfterBackward?.Invoke(step);

        public void AfterStep(TrainingStep step) => OnAfterStep?.Invoke(step);

        public void AfterEpoch(EpochReport report) => OnAfterEpoch?.Invoke(report);
    }

    /// <summary>Implements none of the members: the interface's defaults run.</summary>
    private sealed class NothingHook : ITrainingHook;

    private sealed class ZeroGradientOf(string name) : IGradientTerm
    {
        public int Applied { get; private set; }

        public void Apply(Parameter parameter, Tensor grad)
        {
            if (parameter.Name != name) return;
            grad.Mul_(0);
            Applied++;
        }
    }
}
