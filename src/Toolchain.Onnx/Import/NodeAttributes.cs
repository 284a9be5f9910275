using System.Globalization;
using Onnx;
using AttributeType = Onnx.AttributeProto.Types.AttributeType;

namespace Toolchain.Onnx.Import;

/// <summary>
/// Typed access to a node's attributes. A converter names every attribute it understands; any other attribute on
/// the node is an error that names it, so nothing the model asks for is silently ignored.
/// </summary>
internal sealed class NodeAttributes
{
    private readonly Dictionary<string, AttributeProto> _byName = new(StringComparer.Ordinal);

    public NodeAttributes(NodeProto node, params string[] supported)
    {
        foreach (var a in node.Attribute)
        {
            if (!supported.Contains(a.Name))
            {
                var known = supported.Length == 0 ? "it takes none" : $"supported: {string.Join(", ", supported)}";
                throw new NotSupportedException($"attribute '{a.Name}' of {node.OpType} is not supported ({known})");
            }

            if (!string.IsNullOrEmpty(a.RefAttrName))
            {
                throw new NotSupportedException($"attribute '{a.Name}' refers to a function attribute ('{a.RefAttrName}'), which the importer does not resolve");
            }

            _byName[a.Name] = a;
        }
    }

    public bool Has(string name) => _byName.ContainsKey(name);

    public long Int(string name, long defaultValue) => Get(name, AttributeType.Int) is { } a ? a.I : defaultValue;

    public long[]? Ints(string name) => Get(name, AttributeType.Ints)?.Ints.ToArray();

    /// <summary>A float attribute as the decimal it was written as (0.9f reads 0.9, not 0.899999976).</summary>
    public double Float(string name, double defaultValue) => Get(name, AttributeType.Float) is { } a ? Decimal(a.F) : defaultValue;

    public double[]? Floats(string name) => Get(name, AttributeType.Floats)?.Floats.Select(Decimal).ToArray();

    public string? String(string name) => Get(name, AttributeType.String)?.S.ToStringUtf8();

    public TensorProto? Tensor(string name) => Get(name, AttributeType.Tensor)?.T;

    /// <summary>The shortest decimal that round-trips to <paramref name="value"/>: how a person wrote the float.</summary>
    public static double Decimal(float value) => double.Parse(value.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private AttributeProto? Get(string name, AttributeType type)
    {
        if (!_byName.TryGetValue(name, out var a)) return null;
        // Old writers leave the type unset; then the populated field decides.
        var actual = a.Type != AttributeType.Undefined ? a.Type : Infer(a);
        if (actual != type)
        {
            throw new InvalidDataException($"attribute '{name}' is of type {actual}, expected {type}");
        }

        return a;
    }

    private static AttributeType Infer(AttributeProto a) =>
        a.Ints.Count > 0 ? AttributeType.Ints
        : a.Floats.Count > 0 ? AttributeType.Floats
        : a.T is not null ? AttributeType.Tensor
        : !a.S.IsEmpty ? AttributeType.String
        : a.HasF ? AttributeType.Float
        : a.HasI ? AttributeType.Int
        : AttributeType.Undefined;
}
