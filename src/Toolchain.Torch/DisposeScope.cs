namespace Toolchain.Torch;

/// <summary>
/// Owns every tensor created on this thread while it is the innermost open scope, and disposes them when it
/// is disposed. Temporaries in loops live in a scope; results that must outlive it are passed to
/// <see cref="Keep"/> (moved to the enclosing scope) or <see cref="Tensor.DetachFromScope"/> (moved to the caller).
/// </summary>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] private static DisposeScope? t_current;

    private readonly DisposeScope? _parent;
    private readonly List<Tensor> _owned = [];
    private bool _disposed;

    private DisposeScope(DisposeScope? parent) => _parent = parent;

    /// <summary>The innermost open scope on this thread, if any.</summary>
    public static DisposeScope? Current => t_current;

    /// <summary>Opens a scope nested in the current one.</summary>
    public static DisposeScope Enter() => t_current = new DisposeScope(t_current);

    /// <summary>Tensors this scope will dispose (for diagnostics and tests).</summary>
    public int Count => _owned.Count(t => t.Scope == this && !t.IsDisposed);

    /// <summary>Moves <paramref name="tensor"/> to the enclosing scope, or to the caller when there is none.</summary>
    public Tensor Keep(Tensor tensor)
    {
        if (tensor.Scope == this)
        {
            tensor.Scope = null;
            _parent?.Adopt(tensor);
        }

        return tensor;
    }

    /// <summary>Takes ownership of <paramref name="tensor"/> from whoever owned it (a scope or the caller).</summary>
    public Tensor Own(Tensor tensor)
    {
        tensor.Scope?.Release(tensor);
        Adopt(tensor);
        return tensor;
    }

    internal void Adopt(Tensor tensor)
    {
        _owned.Add(tensor);
        tensor.Scope = this;
    }

    internal void Release(Tensor tensor)
    {
        // The list entry stays; ownership is decided by tensor.Scope when the scope closes.
        if (tensor.Scope == this) tensor.Scope = null;
    }

    public void Dispose()
    {
        if (_disposed) return;
        if (t_current != this)
        {
            throw new InvalidOperationException(
                "DisposeScopes must be disposed innermost first and on the thread that opened them; " +
                "use them with 'using' so they close in order.");
        }

        _disposed = true;
        t_current = _parent;
        foreach (var tensor in _owned)
        {
            if (tensor.Scope == this)
            {
                tensor.Scope = null;
                tensor.Dispose();
            }
        }

        _owned.Clear();
    }
}
