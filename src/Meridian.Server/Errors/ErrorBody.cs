// OpenAI's error body: {"error": {"message", "type", "param", "code"}}; param and code are null when not known.
using System.Text.Json.Serialization;

namespace Meridian.Server.Errors;

internal sealed record ErrorBody(ErrorDetail Error);

internal sealed record ErrorDetail(string Message, string Type, string? Param, string? Code);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ErrorBody))]
internal sealed partial class ErrorJsonContext : JsonSerializerContext;
