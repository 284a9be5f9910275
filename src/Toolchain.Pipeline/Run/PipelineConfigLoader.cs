using System.Collections;
using System.Globalization;
using System.Reflection;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Toolchain.Pipeline;

/// <summary>
/// Reads a <see cref="PipelineConfig"/> from YAML. The text is parsed into YamlDotNet's node tree and bound here, key by
/// key, rather than by its object deserialiser: so every error names the file, line and column, the key's full path
/// and what is allowed there (the keys of the section, or the type of the value).
/// </summary>
public static class PipelineConfigLoader
{
    /// <summary>The embedded default configuration, commented: what <c>toolchain run --print-default</c> writes.</summary>
    public static string DefaultYaml()
    {
        using var stream = typeof(PipelineConfigLoader).Assembly.GetManifestResourceStream("Toolchain.Pipeline.default.yaml")
                           ?? throw new InvalidOperationException("the default pipeline configuration is missing from the assembly (a build error)");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Reads the configuration at <paramref name="path"/> (the embedded default when null) and applies the overrides.</summary>
    /// <param name="overrides"><c>section.key=value</c> pairs (<c>--set</c>); the value is YAML, so <c>[a, b]</c> is a list.</param>
    public static PipelineConfig Load(string? path, IReadOnlyList<string>? overrides = null)
    {
        string text;
        if (path is null)
        {
            text = DefaultYaml();
        }
        else
        {
            if (!File.Exists(path)) throw new FileNotFoundException($"pipeline configuration '{path}' does not exist (toolchain run --print-default > pipeline.yaml writes a starting point)", path);
            text = File.ReadAllText(path);
        }

        return Parse(text, path ?? "default configuration", overrides);
    }

    /// <summary>Reads configuration text; <paramref name="source"/> names it in errors.</summary>
    public static PipelineConfig Parse(string text, string source, IReadOnlyList<string>? overrides = null)
    {
        var root = ParseNode(text, source);
        if (root is YamlScalarNode { Value: null or "" }) root = new YamlMappingNode();
        if (root is not YamlMappingNode mapping) throw Error(source, root, "the configuration must be a mapping of keys (model:, data:, prune:, …)");
        foreach (var item in overrides ?? []) Override(mapping, item);
        var config = new PipelineConfig();
        Bind(config, mapping, "", source);
        try
        {
            config.Validate();
        }
        catch (PipelineConfigException e)
        {
            throw new PipelineConfigException($"{source}: {e.Message}"); // the checks across keys know no line; the file they know
        }

        return config;
    }

    /// <summary>Deeper nesting than any configuration needs; the tree loader recurses per level and would overflow the stack.</summary>
    private const int MaxNesting = 64;

    private static YamlNode ParseNode(string text, string source)
    {
        var stream = new YamlStream();
        try
        {
            CheckNesting(text, source);
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new PipelineConfigException($"{source}:{e.Start.Line}:{e.Start.Column}: malformed YAML: {e.InnerException?.Message ?? e.Message}");
        }

        if (stream.Documents.Count > 1) throw new PipelineConfigException($"{source}: holds {stream.Documents.Count} YAML documents; give one");
        return stream.Documents.Count == 0 ? new YamlScalarNode("") : stream.Documents[0].RootNode;
    }

    /// <summary>
    /// Walks the YAML's event stream (the parser is a state machine, not recursive) and refuses nesting deeper than
    /// <see cref="MaxNesting"/> before the recursive tree loader sees it: a stack overflow cannot be caught and ends the process.
    /// </summary>
    private static void CheckNesting(string text, string source)
    {
        var parser = new Parser(new StringReader(text));
        var depth = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case YamlDotNet.Core.Events.MappingStart or YamlDotNet.Core.Events.SequenceStart:
                    if (++depth > MaxNesting)
                    {
                        throw new PipelineConfigException(
                            $"{source}:{parser.Current.Start.Line}:{parser.Current.Start.Column}: nested more than {MaxNesting} levels deep; a pipeline configuration needs three");
                    }

                    break;
                case YamlDotNet.Core.Events.MappingEnd or YamlDotNet.Core.Events.SequenceEnd:
                    depth--;
                    break;
            }
        }
    }

    /// <summary>Sets <c>a.b=value</c> in the tree, creating sections on the way; the binder then checks the key like any other.</summary>
    private static void Override(YamlMappingNode root, string item)
    {
        var equals = item.IndexOf('=');
        if (equals <= 0) throw new PipelineConfigException($"--set '{item}': write section.key=value, e.g. --set target.batch=8");
        var path = item[..equals].Trim().Split('.');
        if (path.Any(string.IsNullOrWhiteSpace)) throw new PipelineConfigException($"--set '{item}': the key '{item[..equals]}' has an empty part");
        var value = ParseNode(item[(equals + 1)..], $"--set {item[..equals]}");
        var node = root;
        foreach (var part in path[..^1])
        {
            var key = new YamlScalarNode(part);
            if (!node.Children.TryGetValue(key, out var child) || child is not YamlMappingNode section) node.Children[key] = section = new YamlMappingNode();
            node = section;
        }

        node.Children[new YamlScalarNode(path[^1])] = value;
    }

    private static void Bind(object target, YamlMappingNode mapping, string prefix, string source)
    {
        var properties = target.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite)
            .ToDictionary(p => char.ToLowerInvariant(p.Name[0]) + p.Name[1..], StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? throw Error(source, keyNode, $"a key in '{Section(prefix)}' must be a plain name");
            var path = prefix.Length == 0 ? key : $"{prefix}.{key}";
            if (!properties.TryGetValue(key, out var property))
            {
                throw Error(source, keyNode, $"unknown key '{path}'; allowed in {Section(prefix)}: {string.Join(", ", properties.Keys)}");
            }

            var type = property.PropertyType;
            if (type.IsClass && type != typeof(string) && !typeof(IEnumerable).IsAssignableFrom(type))
            {
                if (valueNode is not YamlMappingNode section) throw Error(source, valueNode, $"'{path}' is a section: give its keys ({string.Join(", ", Keys(type))})");
                Bind(property.GetValue(target)!, section, path, source);
                continue;
            }

            // A string property declared string? takes null too (its type alone cannot say so).
            var nullableText = type == typeof(string) && new NullabilityInfoContext().Create(property).WriteState == NullabilityState.Nullable;
            property.SetValue(target, nullableText && IsNull(valueNode) ? null : Convert(valueNode, type, path, source));
        }
    }

    private static IEnumerable<string> Keys(Type type) => type.GetProperties().Where(p => p.CanWrite).Select(p => char.ToLowerInvariant(p.Name[0]) + p.Name[1..]);

    private static bool IsNull(YamlNode node) => node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    private static string Section(string prefix) => prefix.Length == 0 ? "the top level" : $"'{prefix}'";

    private static object? Convert(YamlNode node, Type type, string path, string source)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            var element = type.GetGenericArguments()[0];
            var list = (IList)Activator.CreateInstance(type)!;
            // A single value stands for a list of one: budgets: latency=50%.
            var items = node is YamlSequenceNode sequence ? sequence.Children : [node];
            foreach (var item in items) list.Add(Convert(item, element, $"{path}[]", source));
            return list;
        }

        if (node is not YamlScalarNode scalar) throw Error(source, node, $"'{path}' takes a single {Describe(type)}, not a {(node is YamlSequenceNode ? "list" : "section")}");
        var text = scalar.Value ?? "";
        var nullable = Nullable.GetUnderlyingType(type);
        var isNull = scalar.Style == ScalarStyle.Plain && text is "" or "~" or "null" or "Null" or "NULL";
        if (isNull)
        {
            if (nullable is not null) return null;
            throw Error(source, node, $"'{path}' needs {Article(type)} {Describe(type)}; null is not allowed here");
        }

        var t = nullable ?? type;
        object? value = t == typeof(string) ? text
            : t == typeof(int) ? int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : null
            : t == typeof(double) ? double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? d : null
            : t == typeof(bool) ? text switch { "true" or "True" or "yes" => true, "false" or "False" or "no" => false, _ => null }
            : throw new InvalidOperationException($"the configuration binder has no conversion for {t.Name} ('{path}')");
        return value ?? throw Error(source, node, $"'{path}' needs {Article(t)} {Describe(t)}, got '{text}'");
    }

    private static string Describe(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        var name = t == typeof(int) ? "integer" : t == typeof(double) ? "number" : t == typeof(bool) ? "true/false" : "text";
        return Nullable.GetUnderlyingType(type) is null ? name : $"{name} (or null)";
    }

    private static string Article(Type t) => t == typeof(int) ? "an" : "a";

    private static PipelineConfigException Error(string source, YamlNode node, string message) =>
        new(node.Start.Line > 0 ? $"{source}:{node.Start.Line}:{node.Start.Column}: {message}" : $"{source}: {message}");
}
