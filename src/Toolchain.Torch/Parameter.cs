namespace Toolchain.Torch;

/// <summary>
/// A named trainable tensor (a leaf that requires grad) owned by a model, with an optional mask. Where the
/// mask is 0 the optimizer keeps the value, its gradient and its momentum exactly zero: this is how pruning
/// removes channels during training without rebuilding the network.
/// </summary>
public sealed class Parameter : IDisposable
{
    private Tensor? _mask;

    /// <summary>Takes ownership of <paramref name="value"/> (it leaves any dispose scope).</summary>
    public Parameter(string name, Tensor value, bool trainable = true)
    {
        Name = name;
        Value = value.DetachFromScope();
        if (trainable && !Value.RequiresGrad) Value.RequiresGrad = true;
    }

    public string Name { get; }

    public Tensor Value { get; private set; }

    public bool IsDisposed => Value.IsDisposed;

    /// <summary>A 0/1 tensor broadcastable to the value (e.g. [out, 1, 1, 1] for conv filters), or null.</summary>
    public Tensor? Mask
    {
        get => _mask;
        set
        {
            if (ReferenceEquals(value, _mask)) return;
            _mask?.Dispose();
            _mask = value?.DetachFromScope();
            if (_mask is not null)
            {
                using var noGrad = Libtorch.NoGrad();
                Value.Mul_(_mask);
            }
        }
    }

    /// <summary>The accumulated gradient (a new owner), or null.</summary>
    public Tensor? Grad => Value.Grad;

    public long[] Shape => Value.Shape;

    public long NumElements => Value.NumElements;

    /// <summary>Replaces the value (e.g. after compaction); the old tensor is disposed.</summary>
    public void Replace(Tensor value)
    {
        var requiresGrad = Value.RequiresGrad;
        Value.Dispose();
        Value = value.DetachFromScope();
        if (requiresGrad && !Value.RequiresGrad) Value.RequiresGrad = true;
    }

    public void ZeroGrad() => Value.Grad = null;

    public void Dispose()
    {
        Value.Dispose();
        _mask?.Dispose();
    }

    public override string ToString() => $"{Name} {Value}";
}
