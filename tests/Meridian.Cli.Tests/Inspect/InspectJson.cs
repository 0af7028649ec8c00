// Typed reads of `inspect --json` fields for assertions; a missing key fails (docs/cli.md: every
// key is present, null when the file does not state it).
using System.Text.Json;

namespace Meridian.Cli.Tests.Inspect;

internal static class InspectJson
{
    public static JsonElement Field(this JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) ? v : throw new Xunit.Sdk.XunitException($"inspect --json has no \"{name}\" key");

    public static long? Int(this JsonElement o, string name) => o.Field(name) is { ValueKind: JsonValueKind.Null } ? null : o.Field(name).GetInt64();

    public static double? Real(this JsonElement o, string name) => o.Field(name) is { ValueKind: JsonValueKind.Null } ? null : o.Field(name).GetDouble();

    public static string? Str(this JsonElement o, string name) => o.Field(name) is { ValueKind: JsonValueKind.Null } ? null : o.Field(name).GetString();

    public static long[] Shape(this JsonElement tensor) => tensor.Field("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();

    public static List<JsonElement> Tensors(this JsonElement o) => o.Field("tensors").EnumerateArray().ToList();
}
