namespace Toolchain.Torch;

/// <summary>An operation failed inside libtorch; the message names the op, the inputs and a hint.</summary>
public class TorchException(string operation, string message) : Exception(message)
{
    /// <summary>The operation that failed, e.g. <c>conv2d</c>.</summary>
    public string Operation { get; } = operation;
}

/// <summary>The native shim or libtorch could not be loaded.</summary>
public sealed class TorchNativeLibraryException : DllNotFoundException
{
    public TorchNativeLibraryException(string message) : base(message)
    {
    }

    public TorchNativeLibraryException(string message, Exception inner) : base(message, inner)
    {
    }
}
