using Toolchain.Torch;
using Toolchain.Torch.Optim;

namespace Toolchain.Methods;

/// <summary>
/// Selective weight decay's gradient term: <c>grad += a(t) · wd · w</c> on the entries the current mask would remove
/// (on top of the optimizer's ordinary weight decay on everything), so removed channels are pulled to zero ever harder
/// while training goes on, and the hard cut at the end changes the network less and less.
/// </summary>
public sealed class SelectiveDecayTerm(double weightDecay) : IGradientTerm, IDisposable
{
    private readonly Dictionary<Parameter, Tensor> _removed = [];

    /// <summary>a(t), set by the method before each step.</summary>
    public double Multiplier { get; set; }

    public double WeightDecay { get; } = weightDecay >= 0 ? weightDecay : throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "must be ≥ 0");

    /// <summary>The parameters with removed entries: their 1/0 "removed" tensors, in the parameter's shape.</summary>
    public IReadOnlyDictionary<Parameter, Tensor> Removed => _removed;

    /// <summary>Replaces the removal masks with 1 − <paramref name="keep"/> for each parameter listed (others get no extra decay).</summary>
    public void SetKeepMasks(IEnumerable<(Parameter Parameter, Tensor Keep)> keep)
    {
        ArgumentNullException.ThrowIfNull(keep);
        Clear();
        foreach (var (parameter, mask) in keep)
        {
            using var scope = DisposeScope.Enter();
            _removed[parameter] = (1.0 - mask).DetachFromScope();
        }
    }

    public void Apply(Parameter parameter, Tensor grad)
    {
        if (Multiplier == 0 || WeightDecay == 0 || !_removed.TryGetValue(parameter, out var removed)) return;
        grad.Add_(parameter.Value * removed, Multiplier * WeightDecay);
    }

    public void Dispose() => Clear();

    private void Clear()
    {
        foreach (var t in _removed.Values) t.Dispose();
        _removed.Clear();
    }
}
