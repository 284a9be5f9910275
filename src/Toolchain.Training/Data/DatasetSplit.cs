namespace Toolchain.Training.Data;

/// <summary>Which part of a dataset: the images a model learns from, or the held-out ones it is judged on.</summary>
public enum DatasetSplit
{
    Train,
    Test,
}
