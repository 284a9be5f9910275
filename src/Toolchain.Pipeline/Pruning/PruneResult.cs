using Toolchain.Pruning;

namespace Toolchain.Pipeline;

/// <summary>
/// What a <see cref="PruneJob"/> produced, for reports: plain data only. The job disposes its graphs, engines and
/// checkpoint before it returns, so nothing here may lead back to them: the budgets' cost models and the channel
/// groups' structure hold the graph, so budgets come as their numbers (<see cref="BudgetCheck"/>) and groups as their
/// descriptions.
/// </summary>
/// <param name="Model">The graph's name.</param>
/// <param name="Method">The method's name.</param>
/// <param name="Budgets">Every budget against the pruned model, in the order of the request's specs (none with a ratio).</param>
/// <param name="Groups">The channel groups of the dense model; <paramref name="Widths"/> is indexed by their ids.</param>
/// <param name="Widths">The pruned model's width of every group.</param>
/// <param name="Compaction">The verified compaction: compacted vs masked outputs, and its constant folds; null for unstructured runs (nothing is compacted).</param>
/// <param name="TrailPath">Where the trail was written.</param>
/// <param name="Dense">The dense model (measured when the request measures).</param>
/// <param name="Pruned">The pruned model (measured when the request measures).</param>
/// <param name="Onnx">What the .onnx output wrote and its parity with our executor; null for a graph file.</param>
/// <param name="Output">Where the pruned model was written.</param>
/// <param name="Batch">The deployment batch size the latencies are for.</param>
/// <param name="CutTop1">Top-1 of the compacted model before fine-tuning (the trail's cut entry); null without data.</param>
/// <param name="Unstructured">Unstructured runs: weights kept and file sizes (never a speed-up); null for structured runs.</param>
/// <param name="Notes">What the method said of its run (where it cut, which trail point it kept), in order.</param>
public sealed record PruneResult(
    string Model,
    string Method,
    IReadOnlyList<BudgetCheck> Budgets,
    IReadOnlyList<ChannelGroup> Groups,
    IReadOnlyList<int> Widths,
    VerifiedCompaction? Compaction,
    string TrailPath,
    ModelSnapshot Dense,
    ModelSnapshot Pruned,
    OnnxOutputResult? Onnx,
    string Output,
    int Batch,
    double? CutTop1,
    UnstructuredSummary? Unstructured = null,
    IReadOnlyList<string>? Notes = null);
