namespace Toolchain.Onnx;

/// <summary>The ONNX versions the exporter writes and the importer accepts.</summary>
public static class OnnxSchema
{
    /// <summary>IR version written: Debian's onnx checker accepts up to 8; ONNX Runtime (1.31, the version this project loads) accepts later ones too.</summary>
    public const long IrVersion = 8;

    /// <summary>Default-domain opset written.</summary>
    public const long Opset = 17;

    /// <summary>Default-domain opsets the importer reads (what torchvision exports produce).</summary>
    public const long MinImportOpset = 11, MaxImportOpset = 17;

    /// <summary>IR version of the generated schema (<c>onnx.proto</c>'s IR_VERSION), as a build-time check that it is there.</summary>
    internal static long SchemaIrVersion => (long)global::Onnx.Version.IrVersion;
}
