// Source-generated JSON contracts of the chat endpoint (no reflection serialization).
using System.Text.Json.Serialization;

namespace Meridian.Server.ChatCompletions;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ChatCompletionRequest))]
[JsonSerializable(typeof(ChatCompletion))]
[JsonSerializable(typeof(ChatCompletionChunk))]
internal sealed partial class ChatJsonContext : JsonSerializerContext;
