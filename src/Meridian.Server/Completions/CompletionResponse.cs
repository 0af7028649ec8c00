// Response shapes of /v1/completions: text_completion objects (whole or streamed) and the legacy logprobs object.
using System.Text.Json.Serialization;
using Meridian.Server.Common;

namespace Meridian.Server.Completions;

internal sealed record Completion(string Id, string Object, long Created, string Model, IReadOnlyList<CompletionChoice> Choices,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] UsageInfo? Usage);

internal sealed record CompletionChoice(string Text, int Index, LegacyLogprobs? Logprobs, string? FinishReason);

/// <summary>Parallel lists, one entry per token: its text, its logprob (null for the first prompt token), the top
/// alternatives as text -> logprob (null for the first prompt token), and where its text starts in the choice's text.</summary>
internal sealed record LegacyLogprobs(List<string> Tokens, List<float?> TokenLogprobs, List<Dictionary<string, float>?> TopLogprobs, List<int> TextOffset);
