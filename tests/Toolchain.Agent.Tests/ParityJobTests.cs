using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Toolchain.Agent.Api;
using Toolchain.Agent.Client;
using Toolchain.Pipeline;
using Toolchain.Runtime;
using Toolchain.TestSupport;

namespace Toolchain.Agent.Tests;

/// <summary>
/// A bench job's parity run: the model's outputs on a given input, from the measured session on the agent, against ONNX Runtime
/// run here on the same bytes and input; and the parity inputs the agent refuses before queueing.
/// </summary>
public sealed class ParityJobTests
{
    private static readonly BenchSettings Quick = new() { Name = "resnet20", Iterations = 3, Warmup = 0 };

    [Fact]
    public async Task BenchJobWithAnInput_ReturnsTheOutputsOfALocalOnnxRuntimeRun_BitForBit()
    {
        await using var agent = await TestAgent.StartAsync();
        using var client = agent.Client();
        var input = HostTensor.RandomUniform([2, 3, 32, 32], seed: 7);
        var done = await client.WaitAsync((await client.SubmitBenchAsync(TestAgent.Resnet20, Quick with { Batch = 2 }, parityInput: input)).Id);
        Assert.True(done.State == JobState.Done, $"{done.State}: {done.Error}");
        Assert.Equal(2, client.ResultOf(done).Report.Batch);

        using var local = OrtEngine.Load(TestAgent.Resnet20, "resnet20", new OrtEngineOptions());
        var expected = local.Run([input]);
        var output = Assert.Single(done.Outputs!);
        Assert.Equal(local.Outputs[0].Name, output.Name);
        Assert.Equal([2, 10], output.Shape);
        var remote = output.ToTensor().Tensor;
        Assert.Equal(expected[0].Shape, remote.Shape);
        // The same engine, model, input and thread settings: the same floats (a tolerance only for a differing kernel choice).
        var maxDiff = expected[0].Data.Zip(remote.Data, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(maxDiff <= 1e-5, $"max |Δ| {maxDiff}");
    }

    [Fact]
    public async Task RemoteDeviceBench_WithParity_ReportsTheDifferenceToTheLocalEngine()
    {
        await using var agent = await TestAgent.StartAsync();
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("resnet20.onnx"), TestAgent.Resnet20);
        using var device = new RemoteDevice(agent.Client());
        var result = device.Bench(new BenchRequest { Model = dir.File("resnet20.onnx"), Iterations = 2, Warmup = 0 }, parity: true, new SilentObserver(), CancellationToken.None);

        var parity = result.Benchmark.Parity!;
        Assert.Equal("ort-cpu on this machine", parity.Reference);
        Assert.Equal("uniform [-1, 1) [1, 3, 32, 32], seed 0", parity.Input);
        Assert.Equal(1, parity.Outputs);
        Assert.True(parity.MaxAbsDiff <= 1e-5, $"max |Δ| {parity.MaxAbsDiff}");
        Assert.True(parity.OutputScale > 0);
        Assert.Equal([1, 10], Assert.Single(result.Outputs!).Tensor.Shape);

        // Without it, nothing extra is sent or returned.
        var plain = device.Bench(new BenchRequest { Model = dir.File("resnet20.onnx"), Iterations = 2, Warmup = 0 }, new SilentObserver(), CancellationToken.None);
        Assert.Null(plain.Benchmark.Parity);
        Assert.Null(plain.Outputs);
    }

    [Fact]
    public async Task ParityInput_OfTheWrongShapeOrType_Answers400NamingTheInputAndItsShape_AndQueuesNothing()
    {
        await using var agent = await TestAgent.StartAsync();
        using var client = agent.Client();
        using var local = OrtEngine.Load(TestAgent.Resnet20, "resnet20", new OrtEngineOptions());
        var inputName = local.Inputs[0].Name;

        var wrongShape = await Assert.ThrowsAsync<AgentException>(() => client.SubmitBenchAsync(TestAgent.Resnet20, Quick, parityInput: HostTensor.RandomUniform([1, 3, 28, 28])));
        Assert.Equal(AgentFailure.Refused, wrongShape.Failure);
        Assert.Contains("(400)", wrongShape.Message);
        Assert.Contains($"input '{inputName}' of resnet20.onnx takes float32 [1, 3, 32, 32] (batch 1)", wrongShape.Message);
        Assert.Contains("[1, 3, 28, 28]", wrongShape.Message);

        // The batch the job runs at decides the shape: a batch-1 tensor for a batch-4 job is refused too.
        var wrongBatch = await Assert.ThrowsAsync<AgentException>(() => client.SubmitBenchAsync(TestAgent.Resnet20, Quick with { Batch = 4 }, parityInput: HostTensor.RandomUniform([1, 3, 32, 32])));
        Assert.Contains("takes float32 [4, 3, 32, 32] (batch 4)", wrongBatch.Message);

        using var http = agent.Http(agent.Token);
        // float64 of the right shape: the parity run feeds float32, and converting silently would compare another input.
        using (var response = await PostForm(http, Float64Npy([1, 3, 32, 32])))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var error = (await response.Content.ReadFromJsonAsync<ApiError>(AgentJson.Options))!;
            Assert.Equal(ApiError.BadInput, error.Kind);
            Assert.Contains("holds '<f8' [1, 3, 32, 32]", error.Message);
            Assert.Contains($"input '{inputName}'", error.Message);
        }

        // Not a .npy file at all.
        using (var response = await PostForm(http, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("is not a NumPy .npy file", (await response.Content.ReadFromJsonAsync<ApiError>(AgentJson.Options))!.Message);
        }

        Assert.Empty(agent.Host.Jobs.History);
        Assert.Equal(0, agent.Host.Jobs.Now().Waiting);
        Assert.Equal(JobState.Done, (await client.WaitAsync((await client.SubmitBenchAsync(TestAgent.Resnet20, Quick)).Id)).State); // still serving
    }

    [Fact]
    public async Task ParityInput_CountsAgainstTheUploadLimit_WithTheModel_413()
    {
        // Room for the model and 64 KiB more: a batch-64 input (768 KiB) passes the declared-length check (a form's overhead
        // allowance) and is refused once the model and it together cross the limit.
        await using var agent = await TestAgent.StartAsync(o => o with { MaxUploadBytes = TestAgent.Resnet20.Length + (64 << 10) });
        using var client = agent.Client();
        var tooLarge = await Assert.ThrowsAsync<AgentException>(() => client.SubmitBenchAsync(TestAgent.Resnet20, Quick with { Batch = 64 }, parityInput: HostTensor.RandomUniform([64, 3, 32, 32])));
        Assert.Equal(AgentFailure.Refused, tooLarge.Failure);
        Assert.Contains("(413)", tooLarge.Message);
        Assert.Contains("--max-upload-mb", tooLarge.Message);
        Assert.Empty(agent.Host.Jobs.History);
        Assert.Equal(JobState.Done, (await client.WaitAsync((await client.SubmitBenchAsync(TestAgent.Resnet20, Quick, parityInput: HostTensor.RandomUniform([1, 3, 32, 32]))).Id)).State);
    }

    private static Task<HttpResponseMessage> PostForm(HttpClient http, byte[] input)
    {
        var model = new ByteArrayContent(TestAgent.Resnet20);
        model.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var form = new MultipartFormDataContent { { model, "model", "resnet20.onnx" }, { new ByteArrayContent(input), "input", "input.npy" } };
        return http.PostAsync("v1/jobs/bench?iterations=1&warmup=0", form);
    }

    /// <summary>A float64 .npy of zeros, as numpy.save writes one (the header padded to 64 bytes).</summary>
    private static byte[] Float64Npy(long[] shape)
    {
        var header = $"{{'descr': '<f8', 'fortran_order': False, 'shape': ({string.Join(", ", shape)}), }}";
        header = header.PadRight(64 - 10 - 1) + "\n";
        var bytes = new byte[10 + header.Length + HostTensor.ElementCount(shape) * 8];
        bytes[0] = 0x93;
        "NUMPY"u8.CopyTo(bytes.AsSpan(1));
        bytes[6] = 1;
        BitConverter.TryWriteBytes(bytes.AsSpan(8), (ushort)header.Length);
        System.Text.Encoding.Latin1.GetBytes(header, bytes.AsSpan(10));
        return bytes;
    }
}
