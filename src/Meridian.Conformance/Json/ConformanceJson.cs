// The conformance report as JSON (schema "meridian.conformance/1", documented in docs/backends.md): snake_case
// keys, statuses as lower-case words, indented. What a vendor publishes as proof.
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Meridian.Conformance.Reports;

namespace Meridian.Conformance.Json;

/// <summary>Writes and reads <see cref="ConformanceReport"/> and <see cref="DeviceDescription"/> as JSON.</summary>
public static class ConformanceJson
{
    private static readonly ConformanceJsonContext Context = new(new JsonSerializerOptions(ConformanceJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    /// <summary>The report as indented JSON.</summary>
    public static string Serialize(ConformanceReport report) => JsonSerializer.Serialize(report, Context.ConformanceReport);

    /// <summary>A report read back (for tools that compare runs).</summary>
    public static ConformanceReport? Deserialize(string json) => JsonSerializer.Deserialize(json, Context.ConformanceReport);

    /// <summary>A device description as indented JSON.</summary>
    public static string Serialize(DeviceDescription device) => JsonSerializer.Serialize(device, Context.DeviceDescription);

    /// <summary>The type info of a device description, for callers that embed it in their own JSON.</summary>
    public static System.Text.Json.Serialization.Metadata.JsonTypeInfo<DeviceDescription> DeviceDescriptionInfo => Context.DeviceDescription;
}

/// <summary>Enum values as snake_case words ("not_run").</summary>
internal sealed class SnakeCaseEnumConverter<T>() : JsonStringEnumConverter<T>(JsonNamingPolicy.SnakeCaseLower) where T : struct, Enum;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    Converters = [typeof(SnakeCaseEnumConverter<CaseStatus>), typeof(SnakeCaseEnumConverter<SupportStatus>)])]
[JsonSerializable(typeof(ConformanceReport))]
[JsonSerializable(typeof(DeviceDescription))]
internal sealed partial class ConformanceJsonContext : JsonSerializerContext;
