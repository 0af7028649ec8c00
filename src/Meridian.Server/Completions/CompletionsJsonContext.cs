// Source-generated JSON contracts of the legacy completions endpoint.
using System.Text.Json.Serialization;

namespace Meridian.Server.Completions;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(CompletionRequest))]
[JsonSerializable(typeof(Completion))]
internal sealed partial class CompletionsJsonContext : JsonSerializerContext;
