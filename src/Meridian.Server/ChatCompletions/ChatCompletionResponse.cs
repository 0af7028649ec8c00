// Response shapes of /v1/chat/completions: the whole completion and the streamed chunks (OpenAI's field order).
using System.Text.Json.Serialization;
using Meridian.Server.Common;

namespace Meridian.Server.ChatCompletions;

internal sealed record ChatCompletion(string Id, string Object, long Created, string Model, IReadOnlyList<ChatChoice> Choices, UsageInfo Usage);

internal sealed record ChatChoice(int Index, ChatMessageOutput Message, ChatLogprobs? Logprobs, string FinishReason);

internal sealed record ChatMessageOutput(string Role, string? Content,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ReasoningContent = null)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ChatToolCallOutput>? ToolCalls { get; init; }
}

internal sealed record ChatToolCallOutput(string Id, string Type, ChatFunctionOutput Function);

internal sealed record ChatFunctionOutput(string Name, string Arguments);

internal sealed record ChatToolCallDelta(int Index,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Id,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Type,
    ChatFunctionDelta Function);

internal sealed record ChatFunctionDelta(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Arguments);

internal sealed record ChatCompletionChunk(string Id, string Object, long Created, string Model, IReadOnlyList<ChatChunkChoice> Choices,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] UsageInfo? Usage);

internal sealed record ChatChunkChoice(int Index, ChatDelta Delta, ChatLogprobs? Logprobs, string? FinishReason);

internal sealed record ChatDelta(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Role,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Content,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ReasoningContent = null)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ChatToolCallDelta>? ToolCalls { get; init; }
}

internal sealed record ChatLogprobs(IReadOnlyList<ChatTokenLogprob> Content);

internal sealed record ChatTokenLogprob(string Token, float Logprob, IReadOnlyList<int> Bytes, IReadOnlyList<ChatTopLogprob> TopLogprobs);

internal sealed record ChatTopLogprob(string Token, float Logprob, IReadOnlyList<int> Bytes);
