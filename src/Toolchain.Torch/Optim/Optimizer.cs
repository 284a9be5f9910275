namespace Toolchain.Torch.Optim;

/// <summary>
/// The update loop shared by every optimizer. One step, per parameter with a gradient:
/// <list type="number">
/// <item>each <see cref="GradientTerms"/> entry adds its term to the gradient;</item>
/// <item>a masked parameter's gradient is multiplied by its mask;</item>
/// <item>the optimizer's own rule updates the value and its state (momentum, moments);</item>
/// <item>a masked parameter's value and state are multiplied by the mask again, so pruned entries stay exactly 0.</item>
/// </list>
/// Gradients are modified in place (they are consumed by the step).
/// </summary>
public abstract class Optimizer : IDisposable
{
    private readonly Dictionary<Parameter, Dictionary<string, Tensor>> _state = new(ReferenceEqualityComparer.Instance);

    protected Optimizer(IEnumerable<ParameterGroup> groups, double learningRate, double weightDecay)
    {
        if (!(learningRate > 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "learning rate must be positive");
        if (weightDecay < 0) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "weight decay must be non-negative");
        Groups = groups.ToArray();
        if (Groups.Count == 0 || Groups.All(g => g.Parameters.Count == 0))
        {
            throw new ArgumentException("an optimizer needs at least one parameter");
        }

        foreach (var group in Groups)
        {
            group.BaseLearningRate ??= learningRate;
            group.LearningRate = group.BaseLearningRate.Value;
            group.WeightDecay ??= weightDecay;
        }
    }

    public IReadOnlyList<ParameterGroup> Groups { get; }

    /// <summary>Terms added to gradients before each update (see <see cref="IGradientTerm"/>).</summary>
    public IList<IGradientTerm> GradientTerms { get; } = new List<IGradientTerm>();

    /// <summary>Number of completed steps.</summary>
    public long StepCount { get; private set; }

    public IEnumerable<Parameter> Parameters => Groups.SelectMany(g => g.Parameters);

    /// <summary>Sets every group's rate to its base rate times <paramref name="factor"/> (what schedules call).</summary>
    public void SetLearningRateFactor(double factor)
    {
        foreach (var group in Groups) group.LearningRate = group.BaseLearningRate!.Value * factor;
    }

    /// <summary>Clears every gradient (sets it to none, which also frees its memory).</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters) p.ZeroGrad();
    }

    public void Step()
    {
        using var noGrad = Libtorch.NoGrad();
        StepCount++;
        foreach (var group in Groups)
        {
            foreach (var parameter in group.Parameters)
            {
                using var scope = DisposeScope.Enter();
                var grad = parameter.Grad;
                if (grad is null) continue;
                foreach (var term in GradientTerms) term.Apply(parameter, grad);
                var mask = parameter.Mask;
                if (mask is not null) grad.Mul_(mask);
                Update(parameter, grad, group, StateOf(parameter));
                if (mask is not null)
                {
                    parameter.Value.Mul_(mask);
                    foreach (var buffer in StateOf(parameter).Values) buffer.Mul_(mask);
                }
            }
        }
    }

    /// <summary>Applies this optimizer's rule to one parameter. Runs with grad disabled, inside a dispose scope.</summary>
    protected abstract void Update(Parameter parameter, Tensor grad, ParameterGroup group, Dictionary<string, Tensor> state);

    /// <summary>Creates a state buffer owned by this optimizer (it survives the step's dispose scope).</summary>
    protected static Tensor Persistent(Tensor tensor) => tensor.DetachFromScope();

    private Dictionary<string, Tensor> StateOf(Parameter parameter)
    {
        if (!_state.TryGetValue(parameter, out var state))
        {
            state = [];
            _state[parameter] = state;
        }

        return state;
    }

    /// <summary>
    /// The optimizer's buffers as "parameter-name/buffer-name" → tensor (owned by the optimizer), plus the step
    /// count, for checkpoints that resume training exactly.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> ExportState() =>
        _state.SelectMany(p => p.Value.Select(b => (Key: $"{p.Key.Name}/{b.Key}", b.Value)))
            .ToDictionary(e => e.Key, e => e.Value);

    /// <summary>Restores buffers saved by <see cref="ExportState"/> (copies them) and the step count.</summary>
    public void ImportState(IReadOnlyDictionary<string, Tensor> buffers, long stepCount)
    {
        var byName = Parameters.ToDictionary(p => p.Name);
        foreach (var (key, value) in buffers)
        {
            var slash = key.LastIndexOf('/');
            if (slash < 0 || !byName.TryGetValue(key[..slash], out var parameter))
            {
                throw new ArgumentException($"optimizer state '{key}' names no parameter of this optimizer");
            }

            var state = StateOf(parameter);
            if (state.Remove(key[(slash + 1)..], out var old)) old.Dispose();
            state[key[(slash + 1)..]] = value.Clone().DetachFromScope();
        }

        StepCount = stepCount;
        OnStateImported();
    }

    /// <summary>Lets an optimizer restore bookkeeping that is not a tensor buffer.</summary>
    protected virtual void OnStateImported()
    {
    }

    public void Dispose()
    {
        foreach (var buffers in _state.Values)
        {
            foreach (var t in buffers.Values) t.Dispose();
        }

        _state.Clear();
        GC.SuppressFinalize(this);
    }
}
