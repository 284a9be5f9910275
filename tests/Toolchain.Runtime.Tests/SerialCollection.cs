namespace Toolchain.Runtime.Tests;

/// <summary>Tests that measure process-wide state (resident memory, live tensors) run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial";
}
