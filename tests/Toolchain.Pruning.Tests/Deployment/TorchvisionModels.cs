using System.Collections.Concurrent;
using Toolchain.Runtime;
using Toolchain.TestSupport;
using Toolchain.Torch.Serialization;

namespace Toolchain.Pruning.Tests.Deployment;

/// <summary>A torchvision model exported to ONNX by PyTorch 1.13, with an input batch and PyTorch's logits for it.</summary>
public sealed record TorchvisionExport(string OnnxPath, HostTensor Input, HostTensor Logits);

/// <summary>
/// torchvision models exported by Deployment/export_torchvision.py under Debian's PyTorch, each once per test run on
/// first use (exporting is the slow part).
/// </summary>
public sealed class TorchvisionModels : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly ConcurrentDictionary<string, Lazy<TorchvisionExport>> _exports = new(StringComparer.Ordinal);

    public TorchvisionExport Get(string model) => _exports.GetOrAdd(model, m => new Lazy<TorchvisionExport>(() => Export(m))).Value;

    private TorchvisionExport Export(string model)
    {
        var folder = _directory.File(model);
        Directory.CreateDirectory(folder);
        PythonOracle.RunScript("Deployment/export_torchvision.py", [model, folder], timeoutSeconds: 600);
        var tensors = SafeTensors.Load(Path.Combine(folder, "expected.safetensors"));
        try
        {
            return new TorchvisionExport(Path.Combine(folder, $"{model}.onnx"), DeploymentCheck.ToHost(tensors["x"]), DeploymentCheck.ToHost(tensors["logits"]));
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    public void Dispose() => _directory.Dispose();
}
