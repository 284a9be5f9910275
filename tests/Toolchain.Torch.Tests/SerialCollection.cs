namespace Toolchain.Torch.Tests;

/// <summary>
/// Tests that read process-wide counters (live native tensors, resident memory) run alone, after the
/// parallel tests, so no other test's tensors move the numbers.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "Serial (process-wide counters)";
}
