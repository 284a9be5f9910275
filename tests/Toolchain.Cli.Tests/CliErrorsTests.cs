using Toolchain.Pruning;
using Toolchain.Training;

namespace Toolchain.Cli.Tests;

/// <summary>Exit codes say what happened: the user's input (3) or a bug in the tool (1).</summary>
public sealed class CliErrorsTests
{
    private static Exception Thrown(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            return e;
        }

        throw new Xunit.Sdk.XunitException("nothing was thrown");
    }

    public static TheoryData<string, Func<Exception>> BadInput => new()
    {
        { "our argument check (an impossible training setting)", () => Thrown(() => new TrainingOptions { Epochs = 0 }.Validate()) },
        { "our argument check (a malformed budget)", () => Thrown(() => BudgetSpec.Parse("latency=fast")) },
        { "a missing file", () => Thrown(() => File.ReadAllBytes("/nonexistent/model.onnx")) },
        { "a path a file API refuses", () => Thrown(() => File.ReadAllBytes("")) },
        { "corrupt data", () => new InvalidDataException("graph file 'm.safetensors': no graph structure") },
    };

    public static TheoryData<string, Func<Exception>> Bugs => new()
    {
        { "an invalid operation", () => new InvalidOperationException("method 'fsa' ended outside its budgets") },
        { "a null reference", () => Thrown(() => _ = ((string?)null)!.Length) },
        { "a list index out of range, raised inside the runtime", () => Thrown(() => _ = new List<int>()[3]) },
        { "a duplicate key, raised inside the runtime", () => Thrown(() => _ = new Dictionary<string, int> { { "a", 1 }, { "a", 2 } }) },
        { "a null argument", () => Thrown(() => ArgumentNullException.ThrowIfNull((object?)null, "graph")) },
        { "a missing key", () => Thrown(() => _ = new Dictionary<string, int>()["latency"]) },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public void IsBadInput_UserMistakes_AreBadInput(string what, Func<Exception> error) => Assert.True(CliErrors.IsBadInput(error()), what);

    [Theory]
    [MemberData(nameof(Bugs))]
    public void IsBadInput_BugsInsideTheTool_AreInternalErrors(string what, Func<Exception> error) => Assert.False(CliErrors.IsBadInput(error()), what);
}
