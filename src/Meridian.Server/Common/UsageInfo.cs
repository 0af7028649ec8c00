// OpenAI's usage object, shared by chat and legacy completions (non-streaming and the include_usage chunk).
using Meridian.Engine.Serving;

namespace Meridian.Server.Common;

internal sealed record UsageInfo(int PromptTokens, int CompletionTokens, int TotalTokens, PromptTokensDetails PromptTokensDetails)
{
    /// <summary>The usage of n choices of one prompt: the prompt counted once (choice 0's figures, as OpenAI
    /// bills it), the completion tokens of every choice summed.</summary>
    public static UsageInfo Of(IReadOnlyList<Usage> choices)
    {
        int completion = 0;
        foreach (var u in choices)
            completion += u.CompletionTokens;
        var first = choices[0];
        return new UsageInfo(first.PromptTokens, completion, first.PromptTokens + completion, new PromptTokensDetails(first.CachedPromptTokens));
    }
}

internal sealed record PromptTokensDetails(int CachedTokens);
