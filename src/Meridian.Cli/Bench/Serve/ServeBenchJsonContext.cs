// Source-generated JSON for `meridian bench serve --json` (snake_case keys, as the CLI's other --json output).
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Meridian.Cli.Bench.Serve;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ServeBenchReport))]
internal sealed partial class ServeBenchJsonContext : JsonSerializerContext
{
    /// <summary>The context with text left readable (as CliJson.Context: output for terminals and programs, not HTML).</summary>
    public static ServeBenchJsonContext Readable => s_readable ??= new(new JsonSerializerOptions(Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    private static ServeBenchJsonContext? s_readable;
}
