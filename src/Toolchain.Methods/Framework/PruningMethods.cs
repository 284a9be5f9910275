using Toolchain.Pruning;

namespace Toolchain.Methods;

/// <summary>
/// Every pruning method by name, in one table: adding a method is one file plus one row here. Settings the command
/// line does not expose keep the methods' documented defaults.
/// </summary>
public static class PruningMethods
{
    private static readonly (string Name, Func<MethodSettings, IPruningMethod> Create)[] Table =
    [
        ("fsa", s => new FsaMethod(s.Fsa, s.Importance ?? new FilterNorm(2))),
        ("greg1", s => new GregMethod(GregVariant.Greg1, s)),
        ("greg2", s => new GregMethod(GregVariant.Greg2, s)),
        ("l1", _ => new OneShotMethod("l1", new FilterNorm(1))),
        ("slim", s => new SlimmingMethod(s.SlimmingStrength)),
        ("swd", s => new SwdMethod(s.Swd)),
        ("hfp", s => new HfpMethod(s.Hfp)),
        ("ltp", s => new LtpMethod(s.Ltp)),
        ("random", s => new OneShotMethod("random", new RandomImportance(s.Seed), s.Seed)),
    ];

    public static IReadOnlyList<string> Names { get; } = Table.Select(t => t.Name).ToArray();

    /// <summary>The methods that also prune single weights (<c>--sparsity unstructured</c>).</summary>
    public static IReadOnlyList<string> UnstructuredNames { get; } = Table.Where(t => t.Create(new MethodSettings()) is IUnstructuredPruningMethod).Select(t => t.Name).ToArray();

    /// <summary>The method <paramref name="name"/>; with <see cref="MethodSettings.Sparsity"/> unstructured, only one that prunes single weights.</summary>
    public static IPruningMethod Create(string name, MethodSettings? settings = null)
    {
        settings ??= new MethodSettings();
        foreach (var (known, create) in Table)
        {
            if (known != name) continue;
            var method = create(settings);
            if (settings.Sparsity == Sparsity.Unstructured && method is not IUnstructuredPruningMethod)
            {
                throw new ArgumentException($"method '{name}' prunes channels only; with --sparsity unstructured use one of: {string.Join(", ", UnstructuredNames)}");
            }

            return method;
        }

        throw new ArgumentException($"unknown pruning method '{name}'; known: {string.Join(", ", Names)}", nameof(name));
    }
}
