using System.Diagnostics;
using Toolchain.Torch;
using Toolchain.Torch.Serialization;

namespace Toolchain.TestSupport;

/// <summary>
/// Runs a reference script under Debian's /usr/bin/python3 (PyTorch 1.13), exchanging tensors through
/// safetensors files. Scripts find the shared helper module <c>tsio.py</c> on PYTHONPATH.
/// </summary>
public static class PythonOracle
{
    public const string Interpreter = "/usr/bin/python3";

    /// <summary>The folder with tsio.py (copied next to the test assemblies).</summary>
    public static string HelperDirectory => Path.Combine(AppContext.BaseDirectory, "python");

    /// <summary>
    /// Writes <paramref name="inputs"/>, runs <c>python3 script case inputs outputs</c>, and returns the outputs
    /// (owned by the caller). Fails with the script's stderr when it fails.
    /// </summary>
    public static Dictionary<string, Tensor> Run(string script, string caseName, IReadOnlyDictionary<string, Tensor> inputs,
        IReadOnlyDictionary<string, string>? metadata = null, int timeoutSeconds = 300)
    {
        using var dir = new TempDirectory();
        var inPath = Path.Combine(dir.Path, "inputs.safetensors");
        var outPath = Path.Combine(dir.Path, "outputs.safetensors");
        SafeTensors.Save(inPath, inputs, metadata);
        RunScript(script, [caseName, inPath, outPath], timeoutSeconds);
        return SafeTensors.Load(outPath);
    }

    /// <summary>Runs a script with arguments and returns its standard output; throws with stderr on failure.</summary>
    public static string RunScript(string script, IReadOnlyList<string> arguments, int timeoutSeconds = 300)
    {
        var scriptPath = Path.IsPathRooted(script) ? script : Path.Combine(AppContext.BaseDirectory, script);
        if (!File.Exists(Interpreter))
        {
            throw new InvalidOperationException($"{Interpreter} is missing: run 'make deps-test' to install the PyTorch oracle");
        }

        var start = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(scriptPath);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.Environment["PYTHONPATH"] = HelperDirectory;
        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        start.Environment["OMP_NUM_THREADS"] = Environment.ProcessorCount.ToString();

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Interpreter}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(scriptPath)} {string.Join(' ', arguments)} ran past {timeoutSeconds} s");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(scriptPath)} {string.Join(' ', arguments)} exited {process.ExitCode}:\n{stderr.Result}");
        }

        return stdout.Result;
    }
}
