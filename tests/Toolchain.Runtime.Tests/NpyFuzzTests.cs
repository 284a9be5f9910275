using System.Text;
using System.Text.RegularExpressions;
using Toolchain.TestSupport;
using Xunit.Abstractions;

namespace Toolchain.Runtime.Tests;

/// <summary>
/// Fuzzes the .npy reader (`infer --input`): blind mutations of the bytes and mutations of the header's dict (dtype,
/// order, shape: negative, huge, overflowing). Every case must parse or be refused with an
/// <see cref="InvalidDataException"/> naming the source, never another exception or a runaway allocation.
/// </summary>
public sealed class NpyFuzzTests(ITestOutputHelper output)
{
    private static readonly string[] Shapes = ["()", "(0,)", "(-1, 3)", "(1000000000000, 1000000)", "(9223372036854775807,)", "(3, 4, 5, 6, 7)", "(2,", "(a, b)", "(4611686018427387904, 4)"];
    private static readonly string[] Descrs = ["'<f4'", "'>f4'", "'<f8'", "'<i8'", "'|b1'", "'<U3'", "4", "''"];

    [Fact]
    public void MutatedNpyFiles_ParseOrAreRefusedNamingTheSource()
    {
        byte[][] seeds =
        [
            Npy.Encode(HostTensor.RandomUniform([2, 3], seed: 1)),
            Npy.Encode(HostTensor.RandomUniform([1, 3, 4, 4], seed: 2)),
            Npy.Encode(new HostTensor([], [1.5f])),
        ];
        var count = Fuzzing.CaseCount(1500);
        var seed = Fuzzing.CampaignSeed(20261201);
        var cases = Enumerable.Range(0, count).Select(i =>
        {
            var random = Fuzzing.CaseRandom(seed, i);
            var bytes = seeds[i % seeds.Length];
            var (what, mutated) = i % 2 == 0 ? Fuzzing.Blind(bytes, random) : MutateHeader(bytes, random);
            return (i, what, mutated);
        });

        var (failures, loaded, refused) = Fuzzing.Run("npy", cases,
            (bytes, i) => Npy.Parse(bytes, $"case-{i}.npy"),
            (e, i) => e is InvalidDataException && e.Message.Contains($"case-{i}.npy", StringComparison.Ordinal));

        output.WriteLine($"{count} cases, seed {seed}: loaded {loaded}, refused {refused}, failed {failures.Count}");
        Assert.True(failures.Count == 0, $"{failures.Count} of {count} cases failed:\n{string.Join("\n", failures.Take(15))}");
        Assert.True(refused > count / 3 && loaded > 0, $"loaded {loaded}, refused {refused}");
    }

    /// <summary>Rewrites the header's shape or dtype (keeping the file's layout valid otherwise), or its length field.</summary>
    private static (string, byte[]) MutateHeader(byte[] file, Random random)
    {
        var length = BitConverter.ToUInt16(file, 8);
        var header = Encoding.Latin1.GetString(file, 10, length);
        var data = file[(10 + length)..];
        string what;
        switch (random.Next(4))
        {
            case 0:
                var shape = Shapes[random.Next(Shapes.Length)];
                header = Regex.Replace(header, @"'shape': \([^)]*\)", $"'shape': {shape}");
                what = $"shape {shape}";
                break;
            case 1:
                var descr = Descrs[random.Next(Descrs.Length)];
                header = Regex.Replace(header, @"'descr': '[^']*'", $"'descr': {descr}");
                what = $"descr {descr}";
                break;
            case 2:
                header = header.Replace("False", "True");
                what = "fortran_order True";
                break;
            default:
                // Version 2 with a 4-byte header length near int.MaxValue: the reader must not trust it.
                var v2 = new byte[12 + length + data.Length];
                file.AsSpan(0, 8).CopyTo(v2);
                v2[6] = 2;
                BitConverter.TryWriteBytes(v2.AsSpan(8), random.Next(2) == 0 ? uint.MaxValue : (uint)int.MaxValue - 5);
                return ("version 2 with a huge header length", v2);
        }

        var bytes = Encoding.Latin1.GetBytes(header);
        var result = new byte[10 + bytes.Length + data.Length];
        file.AsSpan(0, 8).CopyTo(result);
        BitConverter.TryWriteBytes(result.AsSpan(8), (ushort)bytes.Length);
        bytes.CopyTo(result, 10);
        data.CopyTo(result, 10 + bytes.Length);
        return (what, result);
    }
}
