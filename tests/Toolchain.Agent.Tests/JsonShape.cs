using System.Text.Json;

namespace Toolchain.Agent.Tests;

/// <summary>The shape of a JSON value: every property path and its kind, so two documents can be compared for schema, not values.</summary>
internal static class JsonShape
{
    public static SortedSet<string> Of(JsonElement element)
    {
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        Walk(element, "$", paths);
        return paths;
    }

    private static void Walk(JsonElement element, string path, SortedSet<string> paths)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                paths.Add($"{path}:object");
                foreach (var property in element.EnumerateObject()) Walk(property.Value, $"{path}.{property.Name}", paths);
                break;
            case JsonValueKind.Array:
                paths.Add($"{path}:array");
                foreach (var item in element.EnumerateArray()) Walk(item, $"{path}[]", paths);
                break;
            case JsonValueKind.Null:
                // null and a value are the same schema (a nullable field): the path counts, its kind does not
                paths.Add(path);
                break;
            default:
                paths.Add(path);
                break;
        }
    }
}
