using Toolchain.Training.Data;

namespace Toolchain.Training;

/// <summary>
/// A train/test pair with its normalisation, named by a spec: <c>shapes10</c> (synthetic, generated from a
/// seed), <c>fashion-mnist</c> (Debian's copy) or <c>fashion-mnist:DIR</c>, <c>cifar10:DIR</c>, <c>cifar100:DIR</c>,
/// or a directory holding either CIFAR binary format.
/// </summary>
public sealed record DataSource(string Name, ImageDataset Train, ImageDataset Test, Normalization Normalization)
{
    public const string Shapes10Name = "shapes10";
    public const string FashionMnistName = "fashion-mnist";
    private const string Known = $"'{Shapes10Name}', '{FashionMnistName}', '{FashionMnistName}:DIR', 'cifar10:DIR', 'cifar100:DIR' or a CIFAR binary directory";

    public int NumClasses => Train.NumClasses;

    /// <summary>The input a model for this data takes, N×C×H×W with N = 1 (zoo models are built at it).</summary>
    public long[] InputShape => [1, Train.Shape.Channels, Train.Shape.Height, Train.Shape.Width];

    public static DataSource Open(string spec, int seed = 0, int? trainCount = null, int? testCount = null)
    {
        if (spec == Shapes10Name)
        {
            if (trainCount is < 1) throw new ArgumentOutOfRangeException(nameof(trainCount), trainCount, "shapes10 needs at least one training image");
            if (testCount is < 1) throw new ArgumentOutOfRangeException(nameof(testCount), testCount, "shapes10 needs at least one test image");
            var train = Shapes10.Create(DatasetSplit.Train, trainCount, seed);
            var test = Shapes10.Create(DatasetSplit.Test, testCount, seed);
            return new DataSource(spec, train, test, Normalization.Compute(train));
        }

        var (kind, directory) = spec == FashionMnistName ? (FashionMnistName, FashionMnistReader.DebianDirectory)
            : spec.IndexOf(':') is var colon and > 0 ? (spec[..colon], spec[(colon + 1)..]) : ("auto", spec);
        if (!Directory.Exists(directory))
        {
            var hint = kind == FashionMnistName ? " Install it with 'apt-get install dataset-fashion-mnist' (make deps does)." : "";
            throw new DirectoryNotFoundException($"data '{spec}': directory '{directory}' does not exist.{hint} Use {Known}.");
        }

        if (kind == FashionMnistName)
        {
            var train = FashionMnistReader.Read(directory, DatasetSplit.Train);
            return new DataSource(spec, train, FashionMnistReader.Read(directory, DatasetSplit.Test), Normalization.Compute(train));
        }

        var (trainSet, testSet) = kind switch
        {
            "cifar10" => (CifarReader.ReadCifar10(directory, DatasetSplit.Train), CifarReader.ReadCifar10(directory, DatasetSplit.Test)),
            "cifar100" => (CifarReader.ReadCifar100(directory, DatasetSplit.Train), CifarReader.ReadCifar100(directory, DatasetSplit.Test)),
            "auto" => (CifarReader.Read(directory, DatasetSplit.Train), CifarReader.Read(directory, DatasetSplit.Test)),
            _ => throw new ArgumentException($"data '{spec}': unknown kind '{kind}' (known: {FashionMnistName}, cifar10, cifar100)"),
        };
        var normalization = trainSet.NumClasses == 100 ? Normalization.Cifar100 : Normalization.Cifar10;
        return new DataSource(spec, trainSet, testSet, normalization);
    }
}
