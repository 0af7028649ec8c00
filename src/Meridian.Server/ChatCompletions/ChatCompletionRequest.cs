// The body of POST /v1/chat/completions (OpenAI's fields that Meridian implements; others are ignored).
using System.Text.Json;
using Meridian.Server.Common;

namespace Meridian.Server.ChatCompletions;

internal sealed record ChatCompletionRequest : GenerationFields
{
    public List<ChatMessageInput?>? Messages { get; init; }

    /// <summary>Newer name of max_tokens; wins when both are given.</summary>
    public int? MaxCompletionTokens { get; init; }

    public bool? Logprobs { get; init; }

    public int? TopLogprobs { get; init; }
}

/// <summary>One message: role and content (a string or an array of {type: "text", text} parts).</summary>
internal sealed record ChatMessageInput
{
    public string? Role { get; init; }

    public JsonElement? Content { get; init; }

    public string? Name { get; init; }
}
