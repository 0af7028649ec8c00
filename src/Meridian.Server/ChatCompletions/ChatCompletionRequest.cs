// The body of POST /v1/chat/completions (OpenAI's fields that Meridian implements, plus the deprecated function-calling
// ones it refuses; others are ignored).
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

    /// <summary>Function tools, tool_choice and parallel_tool_calls: read by ToolPlan.</summary>
    public JsonElement? Tools { get; init; }

    public JsonElement? ToolChoice { get; init; }

    public bool? ParallelToolCalls { get; init; }

    /// <summary>Deprecated forms of tools and tool_choice.</summary>
    public JsonElement? Functions { get; init; }

    public JsonElement? FunctionCall { get; init; }
}

/// <summary>One message: role and content (a string or an array of {type: "text", text} parts).</summary>
internal sealed record ChatMessageInput
{
    public string? Role { get; init; }

    public JsonElement? Content { get; init; }

    public string? Name { get; init; }

    /// <summary>An assistant turn's tool calls; their deprecated form (function_call) is refused, see ChatMessages.</summary>
    public JsonElement? ToolCalls { get; init; }

    /// <summary>A tool message's call id.</summary>
    public string? ToolCallId { get; init; }

    public JsonElement? FunctionCall { get; init; }
}
