using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Toolchain.Profiling;
using Toolchain.TestSupport;

namespace Toolchain.Cli.Tests;

/// <summary>
/// <c>profile --device</c>, <c>predict --validate --device</c>, an HTTPS agent with <c>--ca-cert</c> and <c>run</c> with
/// target.device, against <c>toolchain serve</c> on loopback, as a user runs them. No timing claims.
/// </summary>
public sealed partial class RemoteDeviceCliTests
{
    /// <summary>Starts an agent in <paramref name="dir"/> with a fresh token file "token"; its address from its "listening" line.</summary>
    private static (CliProcess Agent, string Url) Serve(TempDirectory dir, string scheme = "http", IReadOnlyDictionary<string, string>? environment = null)
    {
        if (!File.Exists(dir.File("token"))) Assert.Equal(ExitCodes.Success, CliRunner.Run(dir.Path, "serve", "--new-token", "--token-file", "token").ExitCode);
        var serve = CliProcess.Start(dir.Path, environment ?? new Dictionary<string, string>(), "serve", "--urls", $"{scheme}://127.0.0.1:0", "--token-file", "token", "--json");
        using var listening = JsonDocument.Parse(serve.WaitForLine(l => l.Contains("\"listening\"", StringComparison.Ordinal), "the agent listening"));
        return (serve, listening.RootElement.GetProperty("urls")[0].GetString()!);
    }

    [Fact]
    public void ProfileDevice_CachesTheDevicesProfilePerHost_AndPredictValidateDevice_MeasuresThereWithIt()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("profiles")); // the profiles folder this run finds first (not the repository's)
        var model = ProfileCliTests.TinyModel(dir);
        var (agent, url) = Serve(dir);
        using var _ = agent;

        var profiled = CliRunner.Run(dir.Path, ["profile", model, "--device", url, "--token-file", "token", "--json", .. ProfileCliTests.Quick]);
        Assert.True(profiled.ExitCode == ExitCodes.Success, profiled.Stderr);
        var cached = dir.File($"profiles/devices/127.0.0.1/ort-cpu-{Environment.ProcessorCount}core-b1.json");
        Assert.True(File.Exists(cached), profiled.Stdout);
        using (var json = JsonDocument.Parse(profiled.Stdout.Trim().Split('\n')[^1]))
        {
            Assert.Equal("profile", json.RootElement.GetProperty("type").GetString());
            Assert.Equal(url, json.RootElement.GetProperty("agent").GetString());
            Assert.EndsWith("profiles/devices/127.0.0.1/" + Path.GetFileName(cached), json.RootElement.GetProperty("path").GetString());
        }

        var profile = LatencyProfile.Load(cached);
        Assert.Equal(LatencyProfile.Load(cached).Device.CpuModel, profile.Device.CpuModel);
        Assert.Contains(profile.Calibrations, c => c.Model == "tiny");

        // The device's cached profile is predict's default with --device; the validation's models are measured there.
        var validated = CliRunner.Run(dir.Path, "predict", model, "--validate", "--device", url, "--token-file", "token", "--samples", "2", "--measure-seconds", "0", "--json");
        Assert.True(validated.ExitCode == ExitCodes.Success, validated.Stderr);
        var local = CliRunner.Run(dir.Path, "predict", model, "--validate", "--profile", cached, "--samples", "2", "--measure-seconds", "0", "--json");
        Assert.True(local.ExitCode == ExitCodes.Success, local.Stderr);
        using var there = JsonDocument.Parse(validated.Stdout.Trim().Split('\n')[^1]);
        using var here = JsonDocument.Parse(local.Stdout.Trim().Split('\n')[^1]);
        Assert.Equal(Path.GetFullPath(cached), Path.GetFullPath(there.RootElement.GetProperty("profile").GetString()!));
        Assert.Equal(url, there.RootElement.GetProperty("agent").GetString());
        Assert.Equal(Shape(here.RootElement.GetProperty("validation")), Shape(there.RootElement.GetProperty("validation")));
        Assert.Equal(3, there.RootElement.GetProperty("validation").GetProperty("samples").GetArrayLength());
        Assert.Equal(JsonValueKind.Object, there.RootElement.GetProperty("validation").GetProperty("recalibration").ValueKind);

        // Running profile --device again extends the cached file: nothing measured anew.
        var again = CliRunner.Run(dir.Path, ["profile", model, "--device", url, "--token-file", "token", "--json", .. ProfileCliTests.Quick]);
        Assert.True(again.ExitCode == ExitCodes.Success, again.Stderr);
        using (var json = JsonDocument.Parse(again.Stdout.Trim().Split('\n')[^1]))
        {
            Assert.Equal(0, json.RootElement.GetProperty("models")[0].GetProperty("measured").GetInt32());
        }

        agent.Terminate();
        Assert.Equal(ExitCodes.Success, agent.WaitForExit().ExitCode);

        // The agent gone: the client says so and exits 3.
        var gone = CliRunner.Run(dir.Path, ["profile", model, "--device", url, "--token-file", "token", .. ProfileCliTests.Quick]);
        Assert.Equal(ExitCodes.BadInput, gone.ExitCode);
        Assert.Contains("cannot reach the device agent", gone.Stderr);
    }

    [Fact]
    public void HttpsAgent_WithASelfSignedCertificate_IsTrustedWithCaCert_AndRefusedWithout()
    {
        using var dir = new TempDirectory();
        using (var key = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=toolchain-test-agent", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.KeyCertSign, critical: true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
            File.WriteAllText(dir.File("agent.crt"), certificate.ExportCertificatePem());
            File.WriteAllText(dir.File("agent.key"), key.ExportPkcs8PrivateKeyPem());
        }

        var (agent, url) = Serve(dir, "https", new Dictionary<string, string>
        {
            ["Kestrel__Certificates__Default__Path"] = dir.File("agent.crt"),
            ["Kestrel__Certificates__Default__KeyPath"] = dir.File("agent.key"),
        });
        using var _ = agent;
        Assert.StartsWith("https://127.0.0.1:", url);

        var trusted = CliRunner.Run(dir.Path, "bench", "resnet20", "--device", url, "--token-file", "token", "--ca-cert", "agent.crt", "--iterations", "2", "--warmup", "0", "--json");
        Assert.True(trusted.ExitCode == ExitCodes.Success, trusted.Stderr);
        using (var json = JsonDocument.Parse(trusted.Stdout.Trim()))
        {
            Assert.Equal(url, json.RootElement.GetProperty("agent").GetString());
            // The parity check: the device's outputs on the seeded input against ONNX Runtime here (the same engine: equal).
            var parity = json.RootElement.GetProperty("parity");
            Assert.Equal("ort-cpu on this machine", parity.GetProperty("reference").GetString());
            Assert.Equal("uniform [-1, 1) [1, 3, 32, 32], seed 0", parity.GetProperty("input").GetString());
            Assert.True(parity.GetProperty("maxAbsDiff").GetDouble() <= 1e-5, parity.ToString());
            Assert.True(parity.GetProperty("outputScale").GetDouble() > 0, parity.ToString());
        }

        var untrusted = CliRunner.Run(dir.Path, "bench", "resnet20", "--device", url, "--token-file", "token", "--iterations", "2");
        Assert.Equal(ExitCodes.BadInput, untrusted.ExitCode);
        Assert.Contains("TLS", untrusted.Stderr);
        Assert.Contains("--ca-cert", untrusted.Stderr);

        File.WriteAllText(dir.File("not-a-cert.pem"), "hello");
        var wrongFile = CliRunner.Run(dir.Path, "bench", "resnet20", "--device", url, "--token-file", "token", "--ca-cert", "not-a-cert.pem", "--iterations", "2");
        Assert.Equal(ExitCodes.BadInput, wrongFile.ExitCode);
        Assert.Contains("not-a-cert.pem", wrongFile.Stderr);
    }

    [Fact]
    public void RunWithTargetDevice_RecalibratesAndBenchmarksOnTheAgent_ResultsCarryItsFingerprint_AndARerunAfterItDiedContinues()
    {
        using var dir = new TempDirectory();
        var (agent, url) = Serve(dir);
        string[] run =
        [
            "run", "--set", "data=shapes10", "--set", "train.images=256", "--set", "train.epochs=0", "--set", "prune.method=l1", "--set", "prune.epochs=0",
            "--set", "prune.finetuneEpochs=0", "--set", $"target.profile={RunCliTests.CommittedProfile()}", "--set", "target.allowForeignProfile=true",
            "--set", "benchmark.seconds=1", "--set", "benchmark.batches=[1]", "--set", "gates.maxAccuracyDrop=null", "--set", "gates.latencyTolerance=10",
            "--set", "output=out", "--set", $"target.device={url}", "--set", "target.tokenFile=token",
        ];

        using (agent)
        {
            var result = CliRunner.Run(dir.Path, run);
            Assert.True(result.ExitCode == ExitCodes.Success, result.Stdout + result.Stderr);
            Assert.Contains($"latency calibration measured now on {url}", result.Stdout + result.Stderr);
            Assert.Contains($"on {url}/: dense p50", result.Stdout + result.Stderr);
            using var results = JsonDocument.Parse(File.ReadAllText(dir.File("out/results.json")));
            var environment = results.RootElement.GetProperty("environment");
            Assert.StartsWith(url, environment.GetProperty("agent").GetString());
            agent.Kill();
            agent.WaitForExit();
        }

        // The agent is gone: the run says which agent it cannot reach and exits 3; its finished stages stay in the run folder.
        var lost = CliRunner.Run(dir.Path, run);
        Assert.Equal(ExitCodes.BadInput, lost.ExitCode);
        Assert.Contains($"cannot reach the device agent at {url}", lost.Stderr);

        // The agent back (on another port): the same run continues, reusing the stages it had finished on the device.
        var (back, newUrl) = Serve(dir);
        using (back)
        {
            run[^3] = $"target.device={newUrl}";
            var rerun = CliRunner.Run(dir.Path, run);
            Assert.True(rerun.ExitCode == ExitCodes.Success, rerun.Stdout + rerun.Stderr);
            Assert.Contains("train: reusing", rerun.Stdout + rerun.Stderr);
        }
    }

    /// <summary>Every property path of a JSON value (names, not values).</summary>
    private static List<string> Shape(JsonElement element, string path = "$")
    {
        var names = new List<string>();
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                names.Add($"{path}.{property.Name}");
                names.AddRange(Shape(property.Value, $"{path}.{property.Name}"));
            }
        }
        else if (element.ValueKind == JsonValueKind.Array && element.GetArrayLength() > 0)
        {
            names.AddRange(Shape(element[0], $"{path}[]"));
        }

        return names;
    }
}
