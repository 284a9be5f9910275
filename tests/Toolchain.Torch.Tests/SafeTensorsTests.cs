using Toolchain.TestSupport;
using Toolchain.Torch.Serialization;

namespace Toolchain.Torch.Tests;

public sealed class SafeTensorsTests
{
    [Fact]
    public void SaveLoad_AllDTypesAndMetadata_RoundTrip()
    {
        using var dir = new TempDirectory();
        using var scope = DisposeScope.Enter();
        var tensors = new Dictionary<string, Tensor>
        {
            ["f32"] = Tensor.RandN([2, 3, 4]),
            ["f64"] = Tensor.RandN([5], dtype: DType.Float64),
            ["i64"] = Tensor.FromArray(new long[] { -1, 0, long.MaxValue }),
            ["bool"] = Tensor.FromArray(new[] { true, false, true }),
            ["scalar"] = Tensor.Scalar(3.5),
            ["empty"] = Tensor.Zeros([0, 4]),
        };
        var path = dir.File("t.safetensors");
        SafeTensors.Save(path, tensors, new Dictionary<string, string> { ["format"] = "pt", ["note"] = "é" });

        var loaded = SafeTensors.Load(path);
        foreach (var t in loaded.Values) scope.Own(t);
        Assert.Equal(tensors.Keys.Order(), loaded.Keys.Order());
        foreach (var (name, t) in tensors)
        {
            Assert.Equal(t.Shape, loaded[name].Shape);
            Assert.Equal(t.DType, loaded[name].DType);
            TensorAssert.Close(t, loaded[name], 0, 0, name);
        }

        Assert.Equal("é", SafeTensors.ReadMetadata(path)["note"]);
        Assert.Single(Directory.GetFiles(dir.Path)); // no temporary file left behind
    }

    [Fact]
    public void Save_IsReadableByAnIndependentReader_AndReadsItsFiles()
    {
        using var scope = DisposeScope.Enter();
        var inputs = new Dictionary<string, Tensor> { ["a"] = Tensor.RandN([3, 2]), ["ids"] = Tensor.FromArray(new long[] { 4, 5 }) };
        var outputs = PythonOracle.Run("reference/torch_reference.py", "echo", inputs);
        foreach (var t in outputs.Values) scope.Own(t);
        TensorAssert.Close(inputs["a"] * 2, outputs["a"], 0, 0);
        Assert.Equal([4L, 5L], outputs["ids"].ToArray<long>());
    }

    [Theory]
    [InlineData("truncated-length", "shorter than the 8-byte header length")]
    [InlineData("huge-header", "exceeds the file")]
    [InlineData("bad-json", "not valid JSON")]
    [InlineData("bad-offsets", "do not hold shape")]
    [InlineData("bad-dtype", "unsupported dtype")]
    public void Load_CorruptFile_NamesTheFileAndTheProblem(string corruption, string expected)
    {
        using var dir = new TempDirectory();
        var path = dir.File(corruption + ".safetensors");
        File.WriteAllBytes(path, Corrupt(corruption));
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Load_MissingFile_SaysSo()
    {
        var e = Assert.Throws<FileNotFoundException>(() => SafeTensors.Load("/nonexistent/x.safetensors"));
        Assert.Contains("/nonexistent/x.safetensors", e.Message);
    }

    private static byte[] Corrupt(string kind)
    {
        static byte[] File(string json, int dataBytes)
        {
            var header = System.Text.Encoding.UTF8.GetBytes(json);
            var bytes = new byte[8 + header.Length + dataBytes];
            BitConverter.GetBytes((ulong)header.Length).CopyTo(bytes, 0);
            header.CopyTo(bytes, 8);
            return bytes;
        }

        return kind switch
        {
            "truncated-length" => [1, 2, 3],
            "huge-header" => [0xff, 0xff, 0xff, 0, 0, 0, 0, 0, (byte)'{'],
            "bad-json" => File("{not json", 0),
            "bad-offsets" => File("""{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,8]}}""", 8),
            "bad-dtype" => File("""{"w":{"dtype":"Q7","shape":[1],"data_offsets":[0,1]}}""", 1),
            _ => throw new ArgumentException(kind),
        };
    }
}
