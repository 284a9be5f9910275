using System.IO.Compression;

namespace Toolchain.Pipeline;

/// <summary>
/// What unstructured sparsity honestly buys, for the report: the conv and linear weights kept (count and share) and the
/// written file's size, raw and gzip-compressed (zeros compress; the deployed file is the raw one). No speed-up: the
/// graph keeps its shape and ONNX Runtime's dense kernels multiply the zeros too, so the deployed latency is the
/// dense latency. In .onnx, weights below 1/3 non-zero are written as sparse_initializer (ONNX Runtime densifies them at
/// load; <see cref="Toolchain.Onnx.OnnxExportOptions.SparseWeights"/>), the others dense; a .safetensors graph file stays dense.
/// </summary>
public sealed record UnstructuredSummary(long WeightsKept, long WeightsTotal, long FileBytes, long GzipBytes, long? DenseOnnxBytes)
{
    /// <summary>The share of the conv and linear weights kept.</summary>
    public double KeptFraction => (double)WeightsKept / WeightsTotal;

    /// <summary>The line every report prints: kept weights, sizes, and that latency is the dense latency.</summary>
    public const string LatencyNote = "unstructured sparsity: the graph keeps its shape and dense kernels multiply the zeros too — the deployed latency is the dense latency (no speed-up)";

    /// <summary>Sizes of the file at <paramref name="path"/>: as written, and gzip-compressed (optimal level) in memory.</summary>
    /// <param name="denseOnnxBytes">The same graph exported with dense initializers only (for .onnx outputs), to compare with.</param>
    public static UnstructuredSummary Measure(string path, long kept, long total, long? denseOnnxBytes)
    {
        using var input = File.OpenRead(path);
        using var counter = new CountingStream();
        using (var gzip = new GZipStream(counter, CompressionLevel.Optimal, leaveOpen: true)) input.CopyTo(gzip);
        return new UnstructuredSummary(kept, total, new FileInfo(path).Length, counter.Length, denseOnnxBytes);
    }

    /// <summary>Counts what is written to it and keeps nothing.</summary>
    private sealed class CountingStream : Stream
    {
        private long _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => _length += count;
    }
}
