// Request/response shapes of vLLM's /tokenize and /detokenize.
using System.Text.Json.Serialization;
using Meridian.Server.ChatCompletions;

namespace Meridian.Server.Tokenize;

/// <summary>Either a prompt (add_special_tokens default true) or chat messages (rendered through the chat template).</summary>
internal sealed record TokenizeRequest
{
    public string? Model { get; init; }

    public string? Prompt { get; init; }

    public List<ChatMessageInput?>? Messages { get; init; }

    public bool? AddSpecialTokens { get; init; }
}

internal sealed record TokenizeResponse(int Count, int MaxModelLen, IReadOnlyList<int> Tokens);

internal sealed record DetokenizeRequest
{
    public string? Model { get; init; }

    public List<int>? Tokens { get; init; }
}

internal sealed record DetokenizeResponse(string Prompt);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(TokenizeRequest))]
[JsonSerializable(typeof(TokenizeResponse))]
[JsonSerializable(typeof(DetokenizeRequest))]
[JsonSerializable(typeof(DetokenizeResponse))]
internal sealed partial class TokenizeJsonContext : JsonSerializerContext;
