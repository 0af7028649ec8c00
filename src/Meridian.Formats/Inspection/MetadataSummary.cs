// One metadata key/value, as `meridian inspect` reports it.
using System.Text.Json.Nodes;

namespace Meridian.Formats.Inspection;

/// <summary>One metadata entry: key, value type name, and the value (long arrays summarised as text).</summary>
public sealed record MetadataSummary(string Key, string Type, JsonNode? Value);
