using Toolchain.Training.Data;

namespace Toolchain.Training;

/// <summary>
/// A train/test pair with its normalisation, named by a spec: <c>shapes10</c> (synthetic, generated from a
/// seed), <c>cifar10:DIR</c>, <c>cifar100:DIR</c>, or a directory holding either CIFAR binary format.
/// </summary>
public sealed record DataSource(string Name, ImageDataset Train, ImageDataset Test, Normalization Normalization)
{
    public const string Shapes10Name = "shapes10";

    public int NumClasses => Train.NumClasses;

    public static DataSource Open(string spec, int seed = 0, int? trainCount = null, int? testCount = null)
    {
        if (spec == Shapes10Name)
        {
            var train = Shapes10.Create(DatasetSplit.Train, trainCount, seed);
            var test = Shapes10.Create(DatasetSplit.Test, testCount, seed);
            return new DataSource(spec, train, test, Normalization.Compute(train));
        }

        var (kind, directory) = spec.IndexOf(':') is var colon and > 0 ? (spec[..colon], spec[(colon + 1)..]) : ("auto", spec);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"data '{spec}': directory '{directory}' does not exist. " +
                                                 $"Use '{Shapes10Name}', 'cifar10:DIR', 'cifar100:DIR' or a CIFAR binary directory.");
        }

        var (trainSet, testSet) = kind switch
        {
            "cifar10" => (CifarReader.ReadCifar10(directory, DatasetSplit.Train), CifarReader.ReadCifar10(directory, DatasetSplit.Test)),
            "cifar100" => (CifarReader.ReadCifar100(directory, DatasetSplit.Train), CifarReader.ReadCifar100(directory, DatasetSplit.Test)),
            "auto" => (CifarReader.Read(directory, DatasetSplit.Train), CifarReader.Read(directory, DatasetSplit.Test)),
            _ => throw new ArgumentException($"data '{spec}': unknown kind '{kind}' (known: cifar10, cifar100)"),
        };
        var normalization = trainSet.NumClasses == 100 ? Normalization.Cifar100 : Normalization.Cifar10;
        return new DataSource(spec, trainSet, testSet, normalization);
    }
}
