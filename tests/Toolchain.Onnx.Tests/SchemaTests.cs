using Toolchain.Onnx;

namespace Toolchain.Onnx.Tests;

public class SchemaTests
{
    [Fact]
    public void GeneratedSchemaIsTheIrVersionWeWrite() => Assert.Equal(OnnxSchema.IrVersion, OnnxSchema.SchemaIrVersion);
}
