// The body of POST /v1/completions (legacy text completions).
using System.Text.Json;
using Meridian.Server.Common;

namespace Meridian.Server.Completions;

internal sealed record CompletionRequest : GenerationFields
{
    /// <summary>A string, an array of one string, or an array of token ids.</summary>
    public JsonElement? Prompt { get; init; }

    /// <summary>Return the prompt before the completion.</summary>
    public bool? Echo { get; init; }

    /// <summary>0..5: return logprobs of each token and this many alternatives (legacy shape).</summary>
    public int? Logprobs { get; init; }
}
