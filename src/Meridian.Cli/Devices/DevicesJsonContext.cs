// Source-generated JSON for `meridian devices --json` (stable snake_case keys, text left readable).
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Meridian.Cli.Devices;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(DevicesListing))]
internal sealed partial class DevicesJsonContext : JsonSerializerContext;

/// <summary>The context with text left readable (as CliJson does for the other commands).</summary>
internal static class DevicesJson
{
    public static readonly DevicesJsonContext Context = new(new JsonSerializerOptions(DevicesJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
