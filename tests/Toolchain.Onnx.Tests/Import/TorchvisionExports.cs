using System.Collections.Concurrent;
using Toolchain.TestSupport;

namespace Toolchain.Onnx.Tests.Import;

/// <summary>
/// torchvision models exported by PyTorch 1.13 (reference/import_torchvision.py), each exported once per test run,
/// on first use, with PyTorch's logits for a fixed input.
/// </summary>
public sealed class TorchvisionExports : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly ConcurrentDictionary<string, Lazy<string>> _exports = new(StringComparer.Ordinal);

    /// <summary>The folder with MODEL_13.onnx, MODEL_17.onnx and expected.safetensors (see the script).</summary>
    public string Folder(string model) => _exports.GetOrAdd(model, m => new Lazy<string>(() => Export(m))).Value;

    private string Export(string model)
    {
        var folder = _directory.File(model);
        Directory.CreateDirectory(folder);
        PythonOracle.RunScript("reference/import_torchvision.py", [model, folder], timeoutSeconds: 900);
        return folder;
    }

    public void Dispose() => _directory.Dispose();
}
