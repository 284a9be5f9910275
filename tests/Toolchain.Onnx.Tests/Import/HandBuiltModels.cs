using Toolchain.TestSupport;

namespace Toolchain.Onnx.Tests.Import;

/// <summary>
/// The hand-built ONNX models of reference/import_handbuilt.py (onnx.helper), written once per test run, with
/// PyTorch's outputs for the ones the importer must read.
/// </summary>
public sealed class HandBuiltModels : IDisposable
{
    private readonly TempDirectory _directory = new();

    public HandBuiltModels() => PythonOracle.RunScript("reference/import_handbuilt.py", [_directory.Path]);

    public string Model(string name) => _directory.File(name + ".onnx");

    /// <summary>x and PyTorch's y for a model.</summary>
    public string Expected(string name) => _directory.File(name + ".safetensors");

    public string Scratch(string fileName) => _directory.File(fileName);

    public void Dispose() => _directory.Dispose();
}

/// <summary>
/// The hand-built model tests count live native tensors, so they run alone (after the parallel tests): another
/// test creating tensors meanwhile would move the count.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HandBuiltCollection : ICollectionFixture<HandBuiltModels>
{
    public const string Name = "ONNX import: hand-built models (serial, counts live tensors)";
}
