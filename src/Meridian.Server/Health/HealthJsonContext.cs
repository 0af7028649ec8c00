// Source-generated JSON for /health (the fault message as a JSON string).
using System.Text.Json.Serialization;

namespace Meridian.Server.Health;

[JsonSerializable(typeof(string))]
internal sealed partial class HealthJsonContext : JsonSerializerContext;
