namespace Toolchain.Methods.Tests;

/// <summary>
/// Tests that compare two runs for equal weights run alone, after the parallel tests: models are initialised from
/// libtorch's process-wide generator (seeded, then drawn from), and a test building a model beside them would draw
/// from it in between (seen under load: an uninterrupted and a resumed FSA run started from different weights).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "Serial (process-wide random generator)";
}
