using Toolchain.Torch.Interop;

namespace Toolchain.Torch;

/// <summary>
/// A random generator of its own (libtorch's CPU Mersenne twister), for draws that must not depend on what else the
/// process draws: two models built from the same seed get the same weights even while other threads build, train or
/// draw beside them, which libtorch's one global generator (<see cref="Libtorch.ManualSeed"/>) cannot promise.
/// Seeded with <c>s</c>, it draws what the global generator draws after <c>ManualSeed(s)</c> (and what
/// <c>torch.Generator().manual_seed(s)</c> draws in PyTorch). CPU tensors only. Not thread-safe: one user at a time.
/// </summary>
public sealed class Generator : IDisposable
{
    internal GeneratorHandle Handle { get; }

    public Generator(ulong seed)
    {
        Seed = seed;
        Handle = TorchInterop.NewGenerator(seed);
    }

    public ulong Seed { get; }

    public void Dispose() => Handle.Dispose();
}
