namespace Toolchain.Runtime.Tests;

/// <summary>OrtEngine against PyTorch on models built with Debian's onnx package, and its checks of bad input.</summary>
public sealed class OrtEngineTests
{
    [Fact]
    public void Version_IsThePackagesRelease()
    {
        Assert.Equal(OrtRuntime.Flavor == "gpu" ? "1.31.0" : "1.31.1", OrtEngine.Version);
        Assert.Contains("CPUExecutionProvider", OrtEngine.AvailableProviders);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    public void ConvNet_AnyBatch_MatchesPyTorchWithSameWeights(int batch)
    {
        using var engine = OrtEngine.Load(OnnxModels.ConvNet, null);
        var outputs = engine.Run([OnnxModels.ConvNetInput(batch)]);

        Assert.Equal("ort-cpu", engine.Name);
        var logits = Assert.Single(outputs);
        Assert.Equal([batch, 5L], logits.Shape);
        OnnxModels.AssertClose(OnnxModels.ConvNetExpected(batch), logits);
    }

    [Theory]
    [InlineData(ThreadSpinning.Always)]
    [InlineData(ThreadSpinning.DuringRun)]
    [InlineData(ThreadSpinning.Never)]
    public void ConvNet_EverySpinningMode_IsAcceptedAndComputesTheSame(ThreadSpinning spinning)
    {
        using var engine = OrtEngine.Load(OnnxModels.ConvNet, new OrtEngineOptions { IntraOpThreads = 2, Spinning = spinning });
        OnnxModels.AssertClose(OnnxModels.ConvNetExpected(2), Assert.Single(engine.Run([OnnxModels.ConvNetInput(2)])));
    }

    [Fact]
    public void ConvNet_Specs_NameInputsAndOutputsWithDynamicBatch()
    {
        using var engine = OrtEngine.Load(OnnxModels.ConvNet, null);

        var input = Assert.Single(engine.Inputs);
        Assert.Equal("x", input.Name);
        Assert.Equal("float32", input.ElementType);
        Assert.Equal([-1L, 3, 32, 32], input.Shape);
        var output = Assert.Single(engine.Outputs);
        Assert.Equal("logits", output.Name);
        Assert.Equal([-1L, 5], output.Shape);
    }

    [Fact]
    public void TwoInputs_FromBytes_ComputesBothOutputsInOrder()
    {
        using var engine = OrtEngine.Load(File.ReadAllBytes(OnnxModels.TwoInputs), "two_inputs (memory)", null);
        Assert.Equal(["a", "b"], engine.Inputs.Select(s => s.Name));
        Assert.Equal(["sum", "product"], engine.Outputs.Select(s => s.Name));

        var a = new HostTensor([3, 4], Enumerable.Range(0, 12).Select(i => i * 0.5f).ToArray());
        var b = new HostTensor([3, 4], Enumerable.Range(0, 12).Select(i => 2f - i).ToArray());
        var outputs = engine.Run([a, b]);

        Assert.Equal(2, outputs.Count);
        Assert.Equal(a.Data.Zip(b.Data, (x, y) => x + y), outputs[0].Data);
        Assert.Equal(a.Data.Zip(b.Data, (x, y) => x * y), outputs[1].Data);
        Assert.Equal([3L, 4], outputs[1].Shape);
    }

    [Fact]
    public void Run_WrongShape_ThrowsNamingInputAndShapes()
    {
        using var engine = OrtEngine.Load(OnnxModels.ConvNet, null);
        var wrong = new HostTensor([1, 3, 16, 16], new float[3 * 16 * 16]);

        var e = Assert.Throws<ArgumentException>(() => engine.Run([wrong]));
        Assert.Contains("'x'", e.Message);
        Assert.Contains("[-1, 3, 32, 32]", e.Message);
        Assert.Contains("[1, 3, 16, 16]", e.Message);

        var wrongRank = new HostTensor([3, 32, 32], new float[3 * 32 * 32]);
        Assert.Throws<ArgumentException>(() => engine.Run([wrongRank]));
    }

    [Fact]
    public void Run_WrongInputCount_Throws()
    {
        using var engine = OrtEngine.Load(OnnxModels.TwoInputs, null);
        var a = new HostTensor([1, 4], new float[4]);

        var e = Assert.Throws<ArgumentException>(() => engine.Run([a]));
        Assert.Contains("2 input(s)", e.Message);
        Assert.Contains("1 were given", e.Message);
        Assert.Throws<ArgumentException>(() => engine.Run([a, a, a]));
    }

    [Fact]
    public void Run_NonFloatModelInput_ThrowsNamingTheType()
    {
        using var engine = OrtEngine.Load(OnnxModels.IntInput, null);
        Assert.Equal("int64", engine.Inputs[0].ElementType);
        Assert.Equal([3L], engine.Inputs[0].Shape);

        var e = Assert.Throws<ArgumentException>(() => engine.Run([new HostTensor([3], [1, 2, 3])]));
        Assert.Contains("'ids'", e.Message);
        Assert.Contains("int64", e.Message);
    }

    [Fact]
    public void Load_MissingFile_ThrowsFileNotFound()
    {
        var path = Path.Combine(Path.GetTempPath(), $"no-such-model-{Guid.NewGuid():N}.onnx");
        var e = Assert.Throws<FileNotFoundException>(() => OrtEngine.Load(path, null));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Load_TruncatedModel_ThrowsOnnxRuntimeErrorNamingTheSource()
    {
        var bytes = File.ReadAllBytes(OnnxModels.ConvNet);
        using var dir = new TestSupport.TempDirectory();
        var path = dir.File("truncated.onnx");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var fromFile = Assert.Throws<OnnxRuntimeException>(() => OrtEngine.Load(path, null));
        Assert.Contains("truncated.onnx", fromFile.Message);
        var fromBytes = Assert.Throws<OnnxRuntimeException>(() => OrtEngine.Load(bytes[..(bytes.Length / 2)], "half a model", null));
        Assert.Contains("half a model", fromBytes.Message);
    }

    [Fact]
    public void Load_NonOnnxFile_ThrowsInvalidProtobuf()
    {
        using var dir = new TestSupport.TempDirectory();
        var path = dir.File("notes.onnx");
        File.WriteAllText(path, "this is a text file, not a protobuf-encoded ONNX model\n");

        var e = Assert.Throws<OnnxRuntimeException>(() => OrtEngine.Load(path, null));
        Assert.Contains("notes.onnx", e.Message);
        Assert.Equal(OnnxRuntimeErrorCode.InvalidProtobuf, e.ErrorCode);
        Assert.Throws<ArgumentException>(() => OrtEngine.Load([], "empty", null));
    }

    [Theory]
    [InlineData(ExecutionProvider.Cuda, "CUDA", "libonnxruntime_providers_cuda.so")]
    [InlineData(ExecutionProvider.TensorRt, "TensorRT", "libonnxruntime_providers_tensorrt.so")]
    public void Load_GpuProviderWithoutItsLibraries_ThrowsNotSupportedSayingWhy(ExecutionProvider provider, string label, string library)
    {
        if (OrtRuntime.Flavor == "gpu" && File.Exists("/dev/nvidiactl")) return; // a GPU host with the GPU build: the provider may well run
        var e = Assert.Throws<NotSupportedException>(() => OrtEngine.Load(OnnxModels.ConvNet, new OrtEngineOptions { Provider = provider }));
        if (OrtRuntime.Flavor == "gpu")
        {
            // Here (no CUDA): the package's provider library is present, the CUDA libraries it needs are not.
            Assert.Contains($"ONNX Runtime {label} execution provider cannot run on this host", e.Message);
            Assert.Contains("libcudart.so.13", e.Message); // and libcuda.so.1, the driver: neither is on this machine
        }
        else
        {
            Assert.Contains($"ONNX Runtime {label} execution provider is not available in this build", e.Message);
            Assert.Contains($"{library} not found", e.Message);
            Assert.Contains("make build ORT=gpu", e.Message);
        }
    }

    [Theory]
    [InlineData(1, 1, GraphOptimization.Disabled)]
    [InlineData(2, 1, GraphOptimization.Basic)]
    [InlineData(0, 2, GraphOptimization.Extended)]
    [InlineData(0, 0, GraphOptimization.All)]
    public void Options_ThreadsAndOptimisationLevels_GiveTheSameResult(int intra, int inter, GraphOptimization level)
    {
        var options = new OrtEngineOptions { IntraOpThreads = intra, InterOpThreads = inter, Optimization = level };
        using var engine = OrtEngine.Load(OnnxModels.ConvNet, options);
        OnnxModels.AssertClose(OnnxModels.ConvNetExpected(2), engine.Run([OnnxModels.ConvNetInput(2)])[0]);
    }

    [Fact]
    public void Options_NegativeThreads_AreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => OrtEngine.Load(OnnxModels.ConvNet, new OrtEngineOptions { IntraOpThreads = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => OrtEngine.Load(OnnxModels.ConvNet, new OrtEngineOptions { InterOpThreads = -2 }));
    }

    [Fact]
    public void Run_AfterDispose_ThrowsObjectDisposed()
    {
        var engine = OrtEngine.Load(OnnxModels.ConvNet, null);
        engine.Dispose();
        Assert.Throws<ObjectDisposedException>(() => engine.Run([OnnxModels.ConvNetInput(2)]));
    }

    [Fact]
    public void Run_ConcurrentCalls_AllMatchTheReference()
    {
        using var engine = OrtEngine.Load(OnnxModels.ConvNet, new OrtEngineOptions { IntraOpThreads = 1 });
        var x = OnnxModels.ConvNetInput(5);
        var expected = OnnxModels.ConvNetExpected(5);
        Parallel.For(0, 16, _ => OnnxModels.AssertClose(expected, engine.Run([x])[0]));
    }

    [Fact]
    public void Run_EmptyBatch_ReturnsEmptyOutputs()
    {
        using var engine = OrtEngine.Load(OnnxModels.TwoInputs, null);
        var empty = new HostTensor([0, 4], []);

        var outputs = engine.Run([empty, empty]);

        Assert.All(outputs, o => Assert.Equal([0L, 4], o.Shape));
        Assert.All(outputs, o => Assert.Empty(o.Data));
    }

    [Fact]
    public void Run_MismatchedBatchesOfDynamicInputs_IsReportedByOnnxRuntime()
    {
        // Both inputs are [N, 4] with the same symbolic N; only ONNX Runtime knows they must agree.
        using var engine = OrtEngine.Load(OnnxModels.TwoInputs, null);
        var e = Assert.Throws<OnnxRuntimeException>(() =>
            engine.Run([new HostTensor([2, 4], new float[8]), new HostTensor([3, 4], new float[12])]));
        Assert.Contains("two_inputs.onnx", e.Message);
    }

    [Fact]
    public void Prepare_RepeatedRuns_WriteTheSameOutputsAsRunIntoKeptTensors()
    {
        using var engine = OrtEngine.Load(OnnxModels.ConvNet, new OrtEngineOptions { IntraOpThreads = 1 });
        var x = OnnxModels.ConvNetInput(5);
        using var prepared = engine.Prepare([x]);
        Assert.Empty(prepared.Outputs);

        prepared.Run(); // ONNX Runtime allocates the outputs
        var first = Assert.Single(prepared.Outputs);
        OnnxModels.AssertClose(OnnxModels.ConvNetExpected(5), first);
        Array.Clear(first.Data);
        prepared.Run(); // and from now on writes into the same arrays
        Assert.Same(first, Assert.Single(prepared.Outputs));
        OnnxModels.AssertClose(OnnxModels.ConvNetExpected(5), first);
    }

    [Fact]
    public void Prepare_BadInputs_AreRejectedAndRunsAfterTheEnginesDisposal_Throw()
    {
        var engine = OrtEngine.Load(OnnxModels.ConvNet, null);
        Assert.Throws<ArgumentException>(() => engine.Prepare([new HostTensor([1, 3, 16, 16], new float[768])]));
        using var prepared = engine.Prepare([OnnxModels.ConvNetInput(2)]);
        prepared.Run();
        engine.Dispose();
        Assert.Throws<ObjectDisposedException>(prepared.Run);
    }

    [Fact]
    public void Prepare_TwoInputsTwoOutputs_MatchRun()
    {
        using var engine = OrtEngine.Load(OnnxModels.TwoInputs, null);
        var a = new HostTensor([2, 4], Enumerable.Range(0, 8).Select(i => i * 0.25f).ToArray());
        var b = new HostTensor([2, 4], Enumerable.Range(0, 8).Select(i => 1f - i).ToArray());
        using var prepared = engine.Prepare([a, b]);
        for (var i = 0; i < 3; i++) prepared.Run();

        Assert.Equal(engine.Run([a, b]), prepared.Outputs);
    }
}
