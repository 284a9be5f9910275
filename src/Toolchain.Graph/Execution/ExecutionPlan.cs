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
    private readonly bool _imageInput;

    // InPlace, when set, computes the same result by overwriting the dead input in ReusedSlot (used unless the
    // caller asked to capture that value).
    private sealed record Step(Kernel Kernel, Kernel? InPlace, int ReusedSlot, int[] FreeAfter);

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
        _imageInput = graph.InputShape.Length == 4;

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
            var reused = ReusableInput(graph, node, i, lastUse);
            var inPlace = reused is null ? null : OpKernels.CompileInPlace(node, inputs, outputs);
            _steps[i] = new Step(OpKernels.Compile(node, inputs, outputs, tensor), inPlace, reused is null ? -1 : _slots[reused], free);
        }
    }

    /// <summary>
    /// The input a Relu or Add may overwrite instead of allocating (as torchvision's inplace=True does): a value this
    /// node alone reads, that is neither the graph's input nor output, with the output's shape, made by an op
    /// whose backward does not need its own output (conv, batch norm, add, linear) — so autograd stays correct.
    /// </summary>
    private string? ReusableInput(ModelGraph graph, Node node, int step, int[] lastUse)
    {
        if (node.Op is not (OpKind.Relu or OpKind.Add)) return null;
        var value = node.Inputs[0];
        var slot = _slots[value];
        var soleReader = graph.Consumers(value).Count == 1 && node.Inputs.Count(v => v == value) == 1 && lastUse[slot] == step;
        var freshProducer = graph.Producer(value)?.Op is OpKind.Conv or OpKind.BatchNorm or OpKind.Add or OpKind.Gemm;
        var sameShape = graph.ShapeOf(value).SequenceEqual(graph.ShapeOf(node.Output));
        return soleReader && freshProducer && sameShape && slot != _inputSlot && !graph.IsOutput(value) ? value : null;
    }

    /// <summary>
    /// Image batches (4-d inputs) run channels-last (NHWC) on the CPU where <see cref="ExecutorSettings.LayoutFor"/>
    /// says that is faster; results are the same values, only strides differ. Graphs without a convolution convert
    /// too, so every 4-d graph pays the same conversion (the libtorch latency profiler subtracts an empty graph's
    /// time from a single layer's).
    /// </summary>
    private bool UseChannelsLast(Tensor input) =>
        _imageInput && input.NDim == 4 && input.Device.Kind == DeviceKind.Cpu && ExecutorSettings.LayoutFor(input.Shape) == CpuImageLayout.ChannelsLast;

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
        slots[_inputSlot] = UseChannelsLast(input) ? input.ContiguousChannelsLast() : input;
        foreach (var step in _steps)
        {
            var kernel = step.InPlace is not null && (keep is null || !keep[step.ReusedSlot]) ? step.InPlace : step.Kernel;
            kernel(slots, training);
            foreach (var s in step.FreeAfter)
            {
                if (keep is not null && keep[s]) continue;
                slots[s]?.Dispose(); // an in-place step already moved its input on
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
