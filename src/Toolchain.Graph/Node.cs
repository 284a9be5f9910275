namespace Toolchain.Graph;

/// <summary>
/// One operation of a <see cref="ModelGraph"/>: a unique name, the op, the value names it reads and writes, its
/// attributes and the names of the parameters/buffers it uses (by role, e.g. Weight → "layer1.0.conv1.weight").
/// Immutable: edits replace the node.
/// </summary>
public sealed record Node(
    string Name,
    OpKind Op,
    IReadOnlyList<string> Inputs,
    IReadOnlyList<string> Outputs,
    OpAttributes Attributes,
    IReadOnlyDictionary<TensorRole, string> Tensors)
{
    /// <summary>The first (for most ops the only) output value.</summary>
    public string Output => Outputs[0];

    /// <summary>The name of the tensor playing <paramref name="role"/>, or null when the node has none.</summary>
    public string? TensorName(TensorRole role) => Tensors.TryGetValue(role, out var name) ? name : null;

    /// <summary>The attributes as the op's record type (the graph guarantees the type matches the op).</summary>
    public T AttributesAs<T>() where T : OpAttributes =>
        Attributes as T ?? throw new InvalidOperationException(
            $"node '{Name}' ({Op}) carries {Attributes.GetType().Name}, expected {typeof(T).Name}");

    public bool Equals(Node? other) =>
        other is not null && Name == other.Name && Op == other.Op && Inputs.SequenceEqual(other.Inputs) &&
        Outputs.SequenceEqual(other.Outputs) && Attributes.Equals(other.Attributes) &&
        Tensors.Count == other.Tensors.Count && Tensors.All(t => other.TensorName(t.Key) == t.Value);

    public override int GetHashCode() => HashCode.Combine(Name, Op);

    public override string ToString() => $"{Name} = {Op}({string.Join(", ", Inputs)}) -> {string.Join(", ", Outputs)}";
}
