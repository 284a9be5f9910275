using Toolchain.Graph;
using Toolchain.TestSupport;
using Toolchain.Torch;
using Toolchain.Training.Data;

namespace Toolchain.Training.Tests;

public sealed class TrainerTests
{
    [Fact]
    public void ResNet20_OnShapes10_LearnsClearlyBetterThanChance()
    {
        // A small, fixed slice of the default data and schedule: must leave chance (10 %) far behind.
        var data = SmallShapes(train: 3072, test: 1000);
        using var graph = ModelZoo.Create("resnet20", data.NumClasses, seed: 1);
        using var trainer = new Trainer(graph, "resnet20", data, new TrainingOptions { Epochs = 3, BatchSize = 64, LearningRate = 0.1, WarmupEpochs = 0.5 });
        var reports = trainer.Run().ToList();

        Assert.Equal(3, reports.Count);
        Assert.True(reports[^1].TestTop1 > 0.25, $"test top-1 {reports[^1].TestTop1:P1} after 3 epochs; chance is 10 %");
        Assert.True(reports[^1].TrainLoss < reports[0].TrainLoss, "training loss did not fall");
        Assert.All(reports, r => Assert.InRange(r.TestTop5, r.TestTop1, 1.0));
    }

    [Fact]
    public void Resume_AfterInterruption_ReproducesTheUninterruptedRun()
    {
        using var dir = new TempDirectory();
        var data = SmallShapes(train: 256, test: 64);
        var options = new TrainingOptions { Epochs = 2, BatchSize = 64, LearningRate = 0.05, WarmupEpochs = 0 };

        using var straight = ModelZoo.Create("resnet20", 10, seed: 3);
        using (var trainer = new Trainer(straight, "resnet20", data, options)) trainer.Run().ToList();

        var checkpoint = dir.File("r20.safetensors");
        using (var first = ModelZoo.Create("resnet20", 10, seed: 3))
        using (var trainer = new Trainer(first, "resnet20", data, options))
        {
            trainer.Run(checkpoint).First(); // "interrupted" after epoch 1; its checkpoint is on disk
        }

        var (file, state, optimizerState) = Checkpoint.Load(checkpoint);
        using var _ = file;
        Assert.NotNull(state);
        Assert.Equal(1, state.EpochsCompleted);
        using (var trainer = new Trainer(file.Graph, state.Model, data, state.Options))
        {
            trainer.Resume(state, optimizerState);
            Assert.Single(trainer.Run(checkpoint).ToList());
            Assert.Equal(2, trainer.History.Count);
        }

        foreach (var (name, expected) in straight.StateDict())
        {
            TensorAssert.Close(expected, file.Graph.GetTensor(name), rtol: 1e-4, atol: 1e-5, what: name);
        }
    }

    [Fact]
    public void Checkpoint_OfAPlainGraphFile_HasNoTrainingState()
    {
        using var dir = new TempDirectory();
        using var graph = ModelZoo.Create("resnet20");
        GraphFile.Save(graph, dir.File("g.safetensors"));
        var (file, state, optimizer) = Checkpoint.Load(dir.File("g.safetensors"));
        using var _ = file;
        Assert.Null(state);
        Assert.Empty(optimizer);
        Assert.Throws<FileNotFoundException>(() => Checkpoint.Load(dir.File("missing.safetensors")));
    }

    [Fact]
    public void Trainer_ModelWithTooFewClasses_IsRejectedWithAClearMessage()
    {
        var data = SmallShapes(train: 128, test: 32);
        using var graph = ModelZoo.Create("resnet20", numClasses: 5);
        var e = Assert.Throws<ArgumentException>(() => new Trainer(graph, "resnet20", data, new TrainingOptions()));
        Assert.Contains("5 classes", e.Message);
    }

    [Fact]
    public void Trainer_ModelForAnotherInputShape_IsRejectedNamingBothShapes()
    {
        var data = SmallShapes(train: 128, test: 32);
        using var graph = ModelZoo.Create("resnet20", inputShape: [1, 1, 28, 28]);
        var e = Assert.Throws<ArgumentException>(() => new Trainer(graph, "resnet20", data, new TrainingOptions()));
        Assert.Contains("takes 1x28x28 inputs but data 'shapes10' has 3x32x32 images", e.Message);
    }

    [Fact]
    public void DataSource_UnknownDirectory_ListsWhatIsAccepted()
    {
        var e = Assert.Throws<DirectoryNotFoundException>(() => DataSource.Open("/nonexistent/cifar"));
        Assert.Contains("shapes10", e.Message);
        Assert.Contains("fashion-mnist", e.Message);
    }

    [Fact]
    public void DataSource_FashionMnistFolderMissing_SaysHowToInstallIt()
    {
        var e = Assert.Throws<DirectoryNotFoundException>(() => DataSource.Open("fashion-mnist:/nonexistent/fmnist"));
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
    }

    private static DataSource SmallShapes(int train, int test) => DataSource.Open(DataSource.Shapes10Name, trainCount: train, testCount: test);
}
