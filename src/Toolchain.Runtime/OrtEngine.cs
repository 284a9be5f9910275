using Ort = Microsoft.ML.OnnxRuntime;

namespace Toolchain.Runtime;

/// <summary>
/// A model deployed on ONNX Runtime through its official .NET package (Microsoft.ML.OnnxRuntime). Sessions are safe
/// to <see cref="Run"/> from several threads at once; <see cref="Dispose"/> waits for runs in flight before releasing
/// the session. Every native object (session, its options, run options, tensors) has exactly one owner here and is
/// released by <see cref="Dispose"/> or at the end of the call that created it — never left to a finalizer.
/// </summary>
public sealed class OrtEngine : IInferenceEngine
{
    private readonly Ort.InferenceSession _session;
    private readonly Ort.RunOptions _runOptions;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly string _source;
    private readonly Lock _profilingLock = new();
    private readonly object _gate = new();
    private int _inFlight;
    private bool _disposed;
    private bool _profiling;

    private OrtEngine(Ort.InferenceSession session, Ort.RunOptions runOptions, string source, OrtEngineOptions options, string? tracePrefix)
    {
        _session = session;
        TracePrefix = tracePrefix;
        _runOptions = runOptions;
        _source = source;
        _profiling = options.EnableProfiling;
        Name = Engines.Of(options.Provider).Name;
        Inputs = ReadSpecs(session.InputNames, session.InputMetadata);
        Outputs = ReadSpecs(session.OutputNames, session.OutputMetadata);
        _inputNames = Inputs.Select(s => s.Name).ToArray();
        _outputNames = Outputs.Select(s => s.Name).ToArray();
    }

    public string Name { get; }

    public IReadOnlyList<TensorSpec> Inputs { get; }

    public IReadOnlyList<TensorSpec> Outputs { get; }

    /// <summary>
    /// Where ONNX Runtime writes this session's profiling trace (it appends _&lt;timestamp&gt;.json); null without
    /// profiling. Tests look for exactly this session's files, since other processes profile into the same folder.
    /// </summary>
    internal string? TracePrefix { get; }

    /// <summary>The loaded ONNX Runtime's version, e.g. 1.31.1.</summary>
    public static string Version => OrtRuntime.Version;

    /// <summary>Execution providers compiled into the loaded library (the CPU package lists CPUExecutionProvider alone).</summary>
    public static IReadOnlyList<string> AvailableProviders => OrtRuntime.AvailableProviders;

    /// <summary>Loads an ONNX model file. Missing file → <see cref="FileNotFoundException"/>; a file ONNX Runtime rejects → <see cref="OnnxRuntimeException"/>.</summary>
    public static OrtEngine Load(string onnxPath, OrtEngineOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(onnxPath);
        var fullPath = Path.GetFullPath(onnxPath);
        if (!File.Exists(fullPath)) throw new FileNotFoundException($"ONNX model '{onnxPath}' does not exist", fullPath);
        return Create(options ?? new OrtEngineOptions(), onnxPath, sessionOptions => new Ort.InferenceSession(fullPath, sessionOptions));
    }

    /// <summary>Loads an ONNX model from memory; <paramref name="sourceName"/> names it in errors.</summary>
    public static OrtEngine Load(byte[] onnxModel, string sourceName, OrtEngineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(onnxModel);
        if (onnxModel.Length == 0) throw new ArgumentException($"ONNX model '{sourceName}' is empty", nameof(onnxModel));
        return Create(options ?? new OrtEngineOptions(), sourceName, sessionOptions => new Ort.InferenceSession(onnxModel, sessionOptions));
    }

    private static OrtEngine Create(OrtEngineOptions options, string source, Func<Ort.SessionOptions, Ort.InferenceSession> createSession)
    {
        if (options.IntraOpThreads < 0) throw new ArgumentOutOfRangeException(nameof(options), options.IntraOpThreads, "IntraOpThreads must be ≥ 0 (0 = ONNX Runtime's default)");
        if (options.InterOpThreads < 0) throw new ArgumentOutOfRangeException(nameof(options), options.InterOpThreads, "InterOpThreads must be ≥ 0 (0 = ONNX Runtime's default)");
        var providerCheck = ProviderAvailability.Check(options.Provider);
        if (providerCheck is not null) throw new NotSupportedException(providerCheck);

        Ort.InferenceSession? session = null;
        Ort.RunOptions? runOptions = null;
        string? profilePrefix = null;
        try
        {
            using (var sessionOptions = BuildSessionOptions(options, out profilePrefix))
            {
                session = OrtRuntime.Call($"loading ONNX model '{source}'", () => createSession(sessionOptions));
            }

            runOptions = new Ort.RunOptions();
            return new OrtEngine(session, runOptions, source, options, profilePrefix);
        }
        catch
        {
            if (session is not null && profilePrefix is not null) DeleteTrace(() => session.EndProfiling());
            session?.Dispose();
            runOptions?.Dispose();
            throw;
        }
    }

    private static Ort.SessionOptions BuildSessionOptions(OrtEngineOptions options, out string? profilePrefix)
    {
        profilePrefix = null;
        var sessionOptions = new Ort.SessionOptions();
        try
        {
            if (options.IntraOpThreads > 0) sessionOptions.IntraOpNumThreads = options.IntraOpThreads;
            if (options.InterOpThreads > 0) sessionOptions.InterOpNumThreads = options.InterOpThreads;
            switch (options.Spinning)
            {
                case ThreadSpinning.Always:
                    break;
                case ThreadSpinning.DuringRun:
                    sessionOptions.AddSessionConfigEntry("session.force_spinning_stop", "1");
                    break;
                case ThreadSpinning.Never:
                    sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
                    sessionOptions.AddSessionConfigEntry("session.inter_op.allow_spinning", "0");
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(options), options.Spinning, "unknown spinning mode");
            }

            sessionOptions.GraphOptimizationLevel = options.Optimization switch
            {
                GraphOptimization.Disabled => Ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
                GraphOptimization.Basic => Ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
                GraphOptimization.Extended => Ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
                GraphOptimization.All => Ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
                _ => throw new ArgumentOutOfRangeException(nameof(options), options.Optimization, "unknown optimisation level"),
            };
            if (options.EnableProfiling)
            {
                // ONNX Runtime appends _<timestamp>.json; a unique prefix keeps concurrent sessions apart. The prefix
                // must be set before profiling is enabled: the package passes it to ONNX Runtime at that moment, and a
                // prefix set afterwards is ignored (the trace then lands in the working directory).
                profilePrefix = Path.Combine(Path.GetTempPath(), $"toolchain-ort-profile-{Guid.NewGuid():N}");
                sessionOptions.ProfileOutputPathPrefix = profilePrefix;
                sessionOptions.EnableProfiling = true;
            }

            switch (options.Provider)
            {
                case ExecutionProvider.Cpu:
                    break;
                case ExecutionProvider.Cuda:
                    OrtRuntime.Call("adding ONNX Runtime's CUDA execution provider", () => sessionOptions.AppendExecutionProvider_CUDA(0));
                    break;
                case ExecutionProvider.TensorRt:
                    OrtRuntime.Call("adding ONNX Runtime's TensorRT execution provider", () => sessionOptions.AppendExecutionProvider_Tensorrt(0));
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(options), options.Provider, "unknown execution provider");
            }

            return sessionOptions;
        }
        catch
        {
            sessionOptions.Dispose();
            throw;
        }
    }

    private static TensorSpec[] ReadSpecs(IReadOnlyList<string> names, IReadOnlyDictionary<string, Ort.NodeMetadata> metadata) =>
        names.Select(name =>
        {
            var m = metadata[name];
            return m.IsTensor
                ? new TensorSpec(name, OrtElementTypes.Name((int)m.ElementDataType), m.Dimensions.Select(d => (long)d).ToArray())
                : new TensorSpec(name, "non-tensor", []);
        }).ToArray();

    public IReadOnlyList<HostTensor> Run(IReadOnlyList<HostTensor> inputs)
    {
        EngineInputs.Validate($"{Name} '{_source}'", Inputs, inputs);
        Enter();
        var values = new Ort.OrtValue?[inputs.Count];
        try
        {
            for (var i = 0; i < inputs.Count; i++) values[i] = Ort.OrtValue.CreateTensorValueFromMemory(inputs[i].Data, inputs[i].Shape);
            using var outputs = OrtRuntime.Call($"running '{_source}'",
                () => _session.Run(_runOptions, _inputNames, values!, _outputNames));
            var results = new HostTensor[outputs.Count];
            var k = 0;
            foreach (var output in outputs)
            {
                results[k] = ReadTensor(output, $"output '{_outputNames[k]}' of '{_source}'");
                k++;
            }

            return results;
        }
        finally
        {
            foreach (var v in values) v?.Dispose();
            Exit();
        }
    }

    /// <summary>
    /// Binds <paramref name="inputs"/> as ONNX Runtime tensors over their arrays, once. The first run lets ONNX Runtime
    /// allocate the outputs; from the second on, every float32 output is written straight into a tensor kept from run
    /// to run, so a timed run is the session's work alone.
    /// </summary>
    public IPreparedRun Prepare(IReadOnlyList<HostTensor> inputs)
    {
        EngineInputs.Validate($"{Name} '{_source}'", Inputs, inputs);
        return new OrtPreparedRun(this, inputs);
    }

    /// <summary>Copies an output tensor into float32 (float64, int64 and int32 elements are converted).</summary>
    private static HostTensor ReadTensor(Ort.OrtValue value, string what)
    {
        if (!value.IsTensor) throw new NotSupportedException($"{what} is not a tensor (sequences and maps are not supported)");
        var info = value.GetTensorTypeAndShape();
        var shape = info.Shape;
        var result = new float[HostTensor.ElementCount(shape)];
        switch (info.ElementDataType)
        {
            case Ort.Tensors.TensorElementType.Float:
                value.GetTensorDataAsSpan<float>().CopyTo(result);
                break;
            case Ort.Tensors.TensorElementType.Double:
                var doubles = value.GetTensorDataAsSpan<double>();
                for (var k = 0; k < result.Length; k++) result[k] = (float)doubles[k];
                break;
            case Ort.Tensors.TensorElementType.Int64:
                var longs = value.GetTensorDataAsSpan<long>();
                for (var k = 0; k < result.Length; k++) result[k] = longs[k];
                break;
            case Ort.Tensors.TensorElementType.Int32:
                var ints = value.GetTensorDataAsSpan<int>();
                for (var k = 0; k < result.Length; k++) result[k] = ints[k];
                break;
            default:
                throw new NotSupportedException(
                    $"{what} has element type {OrtElementTypes.Name((int)info.ElementDataType)}; only float32, float64, int64 and int32 outputs can be read");
        }

        return new HostTensor(shape, result);
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

            Enter();
            try
            {
                trace = OrtRuntime.Call($"ending the profiling of '{_source}'", _session.EndProfiling);
            }
            finally
            {
                Exit();
            }

            _profiling = false;
        }

        try
        {
            var timings = OrtTrace.Summarize(OrtTrace.Read(trace));
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

    /// <summary>Counts a native call in flight; throws <see cref="ObjectDisposedException"/> once disposal began.</summary>
    private void Enter()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _inFlight++;
        }
    }

    private void Exit()
    {
        lock (_gate)
        {
            if (--_inFlight == 0 && _disposed) Monitor.PulseAll(_gate);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            while (_inFlight > 0) Monitor.Wait(_gate);
        }

        lock (_profilingLock)
        {
            // Releasing a profiling session writes its trace; end it here so no file is left in the temp folder.
            if (_profiling)
            {
                _profiling = false;
                DeleteTrace(_session.EndProfiling);
            }
        }

        _session.Dispose();
        _runOptions.Dispose();
    }

    private static void DeleteTrace(Func<string> endProfiling)
    {
        try
        {
            File.Delete(endProfiling());
        }
        catch (Ort.OnnxRuntimeException)
        {
            // the session is going away; a trace that could not be written leaves nothing to delete
        }
    }

    /// <summary>Input tensors over the bound arrays and, after the first run, output tensors kept from run to run.</summary>
    private sealed class OrtPreparedRun : IPreparedRun
    {
        private readonly OrtEngine _engine;
        private readonly Ort.OrtValue[] _inputs;
        private Ort.OrtValue[]? _outputs;
        private HostTensor[] _results = [];

        public OrtPreparedRun(OrtEngine engine, IReadOnlyList<HostTensor> inputs)
        {
            _engine = engine;
            _inputs = new Ort.OrtValue[inputs.Count];
            try
            {
                for (var i = 0; i < inputs.Count; i++) _inputs[i] = Ort.OrtValue.CreateTensorValueFromMemory(inputs[i].Data, inputs[i].Shape);
            }
            catch
            {
                foreach (var v in _inputs) v?.Dispose();
                throw;
            }
        }

        public IReadOnlyList<HostTensor> Outputs => _results;

        public void Run()
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var e = _engine;
            e.Enter();
            try
            {
                if (_outputs is not null)
                {
                    OrtRuntime.Call($"running '{e._source}'", () => e._session.Run(e._runOptions, e._inputNames, _inputs, e._outputNames, _outputs));
                    return;
                }

                using var allocated = OrtRuntime.Call($"running '{e._source}'", () => e._session.Run(e._runOptions, e._inputNames, _inputs, e._outputNames));
                var results = new HostTensor[allocated.Count];
                var k = 0;
                foreach (var output in allocated)
                {
                    results[k] = ReadTensor(output, $"output '{e._outputNames[k]}' of '{e._source}'");
                    k++;
                }

                _results = results;
                if (e.Outputs.All(o => o.ElementType == "float32")) _outputs = Bind(results);
            }
            finally
            {
                e.Exit();
            }
        }

        /// <summary>Output tensors over the result arrays, so later runs write the results in place.</summary>
        private static Ort.OrtValue[] Bind(HostTensor[] results)
        {
            var values = new Ort.OrtValue[results.Length];
            try
            {
                for (var i = 0; i < results.Length; i++) values[i] = Ort.OrtValue.CreateTensorValueFromMemory(results[i].Data, results[i].Shape);
                return values;
            }
            catch
            {
                foreach (var v in values) v?.Dispose();
                throw;
            }
        }

        private bool _disposed;

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var v in _inputs) v.Dispose();
            if (_outputs is not null)
            {
                foreach (var v in _outputs) v.Dispose();
            }
        }
    }
}
