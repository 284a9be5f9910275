using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using Toolchain.Graph.Serialization;
using Toolchain.TestSupport;
using Toolchain.Torch;
using Xunit.Abstractions;

namespace Toolchain.Graph.Tests;

/// <summary>
/// Fuzzes graph files and checkpoints (safetensors with the graph structure in the metadata): blind mutations of the
/// bytes, structure-aware ones of the safetensors header (dtypes, shapes, data offsets) and of the graph structure
/// inside it (ops, attributes, shapes, names). Each case must load and run forward, or be refused with an
/// <see cref="InvalidDataException"/> naming the file — never another exception, a hang or a native crash.
/// 1,200 cases from a fixed seed in <c>make test</c>; <c>make fuzz</c> runs more.
/// </summary>
public sealed class GraphFileFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void MutatedGraphFiles_LoadAndRun_OrAreRefusedNamingTheFile()
    {
        using var dir = new TempDirectory();
        var seeds = new List<(string Name, byte[] Bytes)>();
        foreach (var (name, create) in new (string, Func<ModelGraph>)[]
                 {
                     ("resnet20", () => ModelZoo.Create("resnet20", inputShape: [1, 1, 28, 28])),
                     ("mixed", () => GraphFixtures.MixedTopology()),
                 })
        {
            using var graph = create();
            var path = dir.File($"{name}.safetensors");
            GraphFile.Save(graph, path);
            seeds.Add((name, File.ReadAllBytes(path)));
        }

        var count = Fuzzing.CaseCount(1200);
        var seed = Fuzzing.CampaignSeed(20261201);
        var cases = Enumerable.Range(0, count).Select(i =>
        {
            var random = Fuzzing.CaseRandom(seed, i);
            var (name, bytes) = seeds[i % seeds.Count];
            var (what, mutated) = (i % 3) switch
            {
                0 => Fuzzing.Blind(bytes, random),
                1 => MutateHeader(bytes, random),
                _ => MutateStructure(bytes, random),
            };
            return (i, $"{name}: {what}", mutated);
        });

        var (failures, loaded, refused) = Fuzzing.Run("graphfile", cases, (bytes, i) =>
        {
            var path = dir.File($"case-{i}.safetensors");
            File.WriteAllBytes(path, bytes);
            try
            {
                using var file = GraphFile.Load(path);
                using var scope = DisposeScope.Enter();
                var shape = file.Graph.InputShape;
                shape[0] = 1;
                file.Graph.Training = false;
                file.Graph.Forward(Tensor.RandN(shape));
            }
            finally
            {
                File.Delete(path);
            }
        }, (e, i) => e is InvalidDataException && e.Message.Contains($"case-{i}.safetensors", StringComparison.Ordinal));

        output.WriteLine($"{count} cases, seed {seed}: loaded {loaded}, refused {refused}, failed {failures.Count}");
        Assert.True(failures.Count == 0, $"{failures.Count} of {count} cases failed (loaded {loaded}, refused {refused}):\n{string.Join("\n", failures.Take(15))}");
        Assert.True(refused > count / 3 && loaded > 0, $"loaded {loaded}, refused {refused}: the campaign must reach both outcomes");
    }

    /// <summary>The file's parts: the header JSON and the tensor data after it.</summary>
    private static (JsonObject Header, byte[] Data) Split(byte[] file)
    {
        var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        var header = JsonNode.Parse(Encoding.UTF8.GetString(file, 8, length))!.AsObject();
        return (header, file[(8 + length)..]);
    }

    private static byte[] Join(string header, byte[] data)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var file = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
        json.CopyTo(file, 8);
        data.CopyTo(file, 8 + json.Length);
        return file;
    }

    private static (string, byte[]) MutateHeader(byte[] file, Random random)
    {
        var (header, data) = Split(file);
        var (what, json) = Fuzzing.MutateJson(header.ToJsonString(), random);
        return ($"header: {what}", Join(json, data));
    }

    private static (string, byte[]) MutateStructure(byte[] file, Random random)
    {
        var (header, data) = Split(file);
        var metadata = header["__metadata__"]!.AsObject();
        var (what, structure) = Fuzzing.MutateJson(metadata[GraphFile.StructureKey]!.GetValue<string>(), random);
        metadata[GraphFile.StructureKey] = structure;
        return ($"structure: {what}", Join(header.ToJsonString(), data));
    }
}
