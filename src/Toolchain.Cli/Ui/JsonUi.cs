using System.Text.Json;
using System.Text.Json.Serialization;
using Toolchain.Pipeline;

namespace Toolchain.Cli.Ui;

/// <summary>One JSON object per line on standard output; nothing else goes there.</summary>
public sealed class JsonUi : IConsoleUi
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    public bool IsJson => true;

    public void Info(string message)
    {
    }

    public void Table(string title, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows)
    {
    }

    public void Json(object record) => Console.Out.WriteLine(JsonSerializer.Serialize(record, record.GetType(), Options));

    public void Error(string message) => Console.Error.WriteLine(JsonSerializer.Serialize(new { error = message }, Options));

    public T WithProgress<T>(string title, Func<IProgressBar, T> work) => work(new Silent());

    private sealed class Silent : IProgressBar
    {
        public void Update(string description, double completed, double total)
        {
        }
    }
}
