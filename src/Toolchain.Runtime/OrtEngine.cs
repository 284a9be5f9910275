using Toolchain.Runtime.Interop;

namespace Toolchain.Runtime;

/// <summary>
/// A model deployed on ONNX Runtime 1.23 through its C API. Sessions are safe to <see cref="Run"/> from several
/// threads at once; <see cref="Dispose"/> waits for runs in flight before releasing the session.
/// </summary>
public sealed class OrtEngine : IInferenceEngine
{
    private readonly SessionHandle _session;
    private readonly MemoryInfoHandle _memoryInfo;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly string _source;
    private readonly Lock _profilingLock = new();
    private bool _profiling;

    private OrtEngine(SessionHandle session, MemoryInfoHandle memoryInfo, string source, OrtEngineOptions options)
    {
        _session = session;
        _memoryInfo = memoryInfo;
        _source = source;
        _profiling = options.EnableProfiling;
        Name = options.Provider switch
        {
            ExecutionProvider.Cpu => "ort-cpu",
            ExecutionProvider.Cuda => "ort-cuda",
            ExecutionProvider.TensorRt => "ort-tensorrt",
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Provider, "unknown execution provider"),
        };
        Inputs = ReadSpecs(session, OrtNative.SessionInputCount(session), OrtNative.SessionInputName, OrtNative.SessionInputInfo);
        Outputs = ReadSpecs(session, OrtNative.SessionOutputCount(session), OrtNative.SessionOutputName, OrtNative.SessionOutputInfo);
        _inputNames = Inputs.Select(s => s.Name).ToArray();
        _outputNames = Outputs.Select(s => s.Name).ToArray();
    }

    public string Name { get; }

    public IReadOnlyList<TensorSpec> Inputs { get; }

    public IReadOnlyList<TensorSpec> Outputs { get; }

    /// <summary>The loaded ONNX Runtime's version, e.g. 1.23.2.</summary>
    public static string Version => OrtLibrary.Library.Version;

    /// <summary>Execution providers compiled into the loaded library (the CPU build lists only CPUExecutionProvider).</summary>
    public static IReadOnlyList<string> AvailableProviders => OrtNative.GetAvailableProviders();

    /// <summary>Loads an ONNX model file. Missing file → <see cref="FileNotFoundException"/>; a file ONNX Runtime rejects → <see cref="OnnxRuntimeException"/>.</summary>
    public static OrtEngine Load(string onnxPath, OrtEngineOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(onnxPath);
        var fullPath = Path.GetFullPath(onnxPath);
        if (!File.Exists(fullPath)) throw new FileNotFoundException($"ONNX model '{onnxPath}' does not exist", fullPath);
        return Create(options ?? new OrtEngineOptions(), onnxPath,
            (env, sessionOptions, what) => OrtNative.CreateSession(env, fullPath, sessionOptions, what));
    }

    /// <summary>Loads an ONNX model from memory; <paramref name="sourceName"/> names it in errors.</summary>
    public static OrtEngine Load(byte[] onnxModel, string sourceName, OrtEngineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(onnxModel);
        if (onnxModel.Length == 0) throw new ArgumentException($"ONNX model '{sourceName}' is empty", nameof(onnxModel));
        return Create(options ?? new OrtEngineOptions(), sourceName,
            (env, sessionOptions, what) => OrtNative.CreateSessionFromArray(env, onnxModel, sessionOptions, what));
    }

    private static OrtEngine Create(OrtEngineOptions options, string source, Func<EnvHandle, SessionOptionsHandle, string, SessionHandle> createSession)
    {
        if (options.IntraOpThreads < 0) throw new ArgumentOutOfRangeException(nameof(options), options.IntraOpThreads, "IntraOpThreads must be ≥ 0 (0 = ONNX Runtime's default)");
        if (options.InterOpThreads < 0) throw new ArgumentOutOfRangeException(nameof(options), options.InterOpThreads, "InterOpThreads must be ≥ 0 (0 = ONNX Runtime's default)");
        var providerCheck = ProviderAvailability.Check(options.Provider);
        if (providerCheck is not null) throw new NotSupportedException(providerCheck);

        var env = OrtEnvironment.Instance;
        SessionHandle? session = null;
        MemoryInfoHandle? memoryInfo = null;
        try
        {
            using (var sessionOptions = BuildSessionOptions(options))
            {
                session = createSession(env, sessionOptions, $"loading ONNX model '{source}'");
            }

            memoryInfo = OrtNative.CreateCpuMemoryInfo();
            return new OrtEngine(session, memoryInfo, source, options);
        }
        catch
        {
            session?.Dispose();
            memoryInfo?.Dispose();
            throw;
        }
    }

    private static SessionOptionsHandle BuildSessionOptions(OrtEngineOptions options)
    {
        var handle = OrtNative.CreateSessionOptions();
        try
        {
            if (options.IntraOpThreads > 0) OrtNative.SetIntraOpNumThreads(handle, options.IntraOpThreads);
            if (options.InterOpThreads > 0) OrtNative.SetInterOpNumThreads(handle, options.InterOpThreads);
            switch (options.Spinning)
            {
                case ThreadSpinning.Always:
                    break;
                case ThreadSpinning.DuringRun:
                    OrtNative.AddSessionConfigEntry(handle, "session.force_spinning_stop", "1");
                    break;
                case ThreadSpinning.Never:
                    OrtNative.AddSessionConfigEntry(handle, "session.intra_op.allow_spinning", "0");
                    OrtNative.AddSessionConfigEntry(handle, "session.inter_op.allow_spinning", "0");
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(options), options.Spinning, "unknown spinning mode");
            }

            OrtNative.SetGraphOptimizationLevel(handle, options.Optimization switch
            {
                GraphOptimization.Disabled => 0,
                GraphOptimization.Basic => 1,
                GraphOptimization.Extended => 2,
                GraphOptimization.All => 99,
                _ => throw new ArgumentOutOfRangeException(nameof(options), options.Optimization, "unknown optimisation level"),
            });
            if (options.EnableProfiling)
            {
                // ONNX Runtime appends _<timestamp>.json; a unique prefix keeps concurrent sessions apart.
                OrtNative.EnableProfiling(handle, Path.Combine(Path.GetTempPath(), $"toolchain-ort-profile-{Guid.NewGuid():N}"));
            }

            switch (options.Provider)
            {
                case ExecutionProvider.Cpu:
                    break;
                case ExecutionProvider.Cuda:
                    OrtNative.AppendCudaProvider(handle);
                    break;
                case ExecutionProvider.TensorRt:
                    OrtNative.AppendTensorRtProvider(handle);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(options), options.Provider, "unknown execution provider");
            }

            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static TensorSpec[] ReadSpecs(SessionHandle session, int count, Func<SessionHandle, int, string> name,
        Func<SessionHandle, int, (int ElementType, long[] Shape)?> info)
    {
        var specs = new TensorSpec[count];
        for (var i = 0; i < count; i++)
        {
            var n = name(session, i);
            specs[i] = info(session, i) is { } t
                ? new TensorSpec(n, OrtElementTypes.Name(t.ElementType), t.Shape)
                : new TensorSpec(n, "non-tensor", []);
        }

        return specs;
    }

    public IReadOnlyList<HostTensor> Run(IReadOnlyList<HostTensor> inputs)
    {
        EngineInputs.Validate($"{Name} '{_source}'", Inputs, inputs);
        var values = new List<PinnedTensor>(inputs.Count);
        ValueHandle[]? outputs = null;
        try
        {
            foreach (var input in inputs) values.Add(OrtNative.CreateTensorOver(_memoryInfo, input.Data, input.Shape));
            outputs = OrtNative.Run(_session, _inputNames, values, _outputNames, $"running '{_source}'");
            var results = new HostTensor[outputs.Length];
            for (var i = 0; i < outputs.Length; i++)
            {
                var (shape, data) = OrtNative.ReadTensor(outputs[i], $"output '{_outputNames[i]}' of '{_source}'");
                results[i] = new HostTensor(shape, data);
            }

            return results;
        }
        finally
        {
            if (outputs is not null)
            {
                foreach (var o in outputs) o.Dispose();
            }

            foreach (var v in values) v.Dispose();
        }
    }

    /// <summary>
    /// Stops profiling and returns per-node kernel timings (total, calls, mean in µs) over every run since the session
    /// was created. The trace file is deleted, or moved to <paramref name="keepTraceAs"/> when given (viewable in
    /// chrome://tracing or Perfetto). Throws when profiling was not enabled or has already ended.
    /// </summary>
    public IReadOnlyList<NodeTiming> EndProfiling(string? keepTraceAs = null)
    {
        string trace;
        lock (_profilingLock)
        {
            if (!_profiling)
            {
                throw new InvalidOperationException(
                    $"{Name} '{_source}': profiling is not running (enable it with OrtEngineOptions.EnableProfiling; it can be ended once)");
            }

            trace = OrtNative.EndProfiling(_session);
            _profiling = false;
        }

        try
        {
            var timings = OrtProfile.Parse(File.ReadAllText(trace), trace);
            if (keepTraceAs is not null)
            {
                File.Move(trace, keepTraceAs, overwrite: true);
            }

            return timings;
        }
        finally
        {
            File.Delete(trace); // no-op when it was moved
        }
    }

    public void Dispose()
    {
        lock (_profilingLock)
        {
            // Releasing a profiling session writes its trace; end it here so no file is left in the temp folder.
            if (_profiling && !_session.IsClosed)
            {
                _profiling = false;
                try
                {
                    File.Delete(OrtNative.EndProfiling(_session));
                }
                catch (OnnxRuntimeException)
                {
                    // the session is going away; a trace that could not be written leaves nothing to delete
                }
            }
        }

        _session.Dispose();
        _memoryInfo.Dispose();
    }
}
