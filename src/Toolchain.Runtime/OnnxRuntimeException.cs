namespace Toolchain.Runtime;

/// <summary>ONNX Runtime's error codes (OrtErrorCode in onnxruntime_c_api.h), matched to the package's ErrorCode by name.</summary>
public enum OnnxRuntimeErrorCode
{
    Ok = 0,
    Fail = 1,
    InvalidArgument = 2,
    NoSuchFile = 3,
    NoModel = 4,
    EngineError = 5,
    RuntimeException = 6,
    InvalidProtobuf = 7,
    ModelLoaded = 8,
    NotImplemented = 9,
    InvalidGraph = 10,
    EpFail = 11,
    ModelLoadCanceled = 12,
    ModelRequiresCompilation = 13,
    NotFound = 14,
}

/// <summary>ONNX Runtime could not be loaded, or one of its calls failed; the message says which and why.</summary>
public sealed class OnnxRuntimeException : Exception
{
    public OnnxRuntimeException(string message, OnnxRuntimeErrorCode errorCode = OnnxRuntimeErrorCode.Fail) : base(message) =>
        ErrorCode = errorCode;

    public OnnxRuntimeException(string message, Exception inner) : base(message, inner) => ErrorCode = OnnxRuntimeErrorCode.Fail;

    public OnnxRuntimeException(string message, OnnxRuntimeErrorCode errorCode, Exception inner) : base(message, inner) => ErrorCode = errorCode;

    public OnnxRuntimeErrorCode ErrorCode { get; }
}
