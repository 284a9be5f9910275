using Toolchain.Torch;

namespace Toolchain.Graph.Execution;

/// <summary>
/// A graph compiled for execution: every value has a slot, every node a <see cref="Kernel"/>, and every step
/// knows which slots hold their last use, so intermediates are freed as soon as their last consumer ran.
/// Built once per structure (the graph rebuilds it after edits).
/// </summary>
internal sealed class ExecutionPlan
{
    private readonly Step[] _steps;
    private readonly int _slotCount;
    private readonly int _inputSlot;
    private readonly int _outputSlot;
    private readonly Dictionary<string, int> _slots;

    private sealed record Step(Kernel Kernel, int[] FreeAfter);

    public ExecutionPlan(ModelGraph graph, Func<string, Func<Tensor>> tensor)
    {
        _slots = new Dictionary<string, int> { [graph.InputName] = 0 };
        foreach (var node in graph.Nodes)
        {
            foreach (var output in node.Outputs) _slots.Add(output, _slots.Count);
        }

        _slotCount = _slots.Count;
        _inputSlot = 0;
        _outputSlot = _slots[graph.OutputName];

        // The last step that reads each slot; values nobody reads die right after the step that made them.
        var lastUse = new int[_slotCount];
        Array.Fill(lastUse, -1);
        var nodes = graph.Nodes;
        for (var i = 0; i < nodes.Count; i++)
        {
            foreach (var output in nodes[i].Outputs) lastUse[_slots[output]] = i;
            foreach (var input in nodes[i].Inputs) lastUse[_slots[input]] = i;
        }

        _steps = new Step[nodes.Count];
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            var inputs = node.Inputs.Select(v => _slots[v]).ToArray();
            var outputs = node.Outputs.Select(v => _slots[v]).ToArray();
            var free = Enumerable.Range(0, _slotCount)
                .Where(s => lastUse[s] == i && s != _inputSlot && s != _outputSlot)
                .ToArray();
            _steps[i] = new Step(OpKernels.Compile(node, inputs, outputs, tensor), free);
        }
    }

    /// <summary>
    /// Runs the graph on <paramref name="input"/> (not consumed). The output and the captured values belong to the
    /// caller's enclosing dispose scope, or to the caller when there is none.
    /// </summary>
    public Tensor Run(Tensor input, bool training, IReadOnlySet<string>? capture, Dictionary<string, Tensor>? captured)
    {
        bool[]? keep = null;
        if (capture is { Count: > 0 })
        {
            keep = new bool[_slotCount];
            foreach (var name in capture)
            {
                keep[_slots.TryGetValue(name, out var slot) ? slot : throw new ArgumentException(
                    $"cannot capture '{name}': the graph has no such value (values are the input and node outputs)", nameof(capture))] = true;
            }
        }

        using var scope = DisposeScope.Enter();
        var slots = new Tensor?[_slotCount];
        slots[_inputSlot] = input;
        foreach (var step in _steps)
        {
            step.Kernel(slots, training);
            foreach (var s in step.FreeAfter)
            {
                if (keep is not null && keep[s]) continue;
                slots[s]!.Dispose();
                slots[s] = null;
            }
        }

        if (keep is not null)
        {
            foreach (var name in capture!)
            {
                var slot = _slots[name];
                // The graph input is the caller's tensor: hand out a second owner so disposing the result is safe.
                captured![name] = scope.Keep(slot == _inputSlot ? input.Alias() : slots[slot]!);
            }
        }

        var output = _outputSlot == _inputSlot ? input.Alias() : slots[_outputSlot]!;
        return scope.Keep(output);
    }
}
