// Builds the legacy logprobs object of one choice as outputs arrive. text_offset is where each token's text
// starts in the choice's text, counted from the token pieces (as vLLM does) and re-synchronised at every output;
// within one output it can drift where a piece is part of a multi-byte character or SentencePiece's leading
// space was dropped (known limit).
using Meridian.Engine.Serving;
using Meridian.Server.Common;
using Meridian.Tokenizers;

namespace Meridian.Server.Completions;

internal sealed class LegacyLogprobsBuilder(Tokenizer tokenizer)
{
    private int _offset; // chars of the choice's text so far

    /// <summary>The prompt's tokens (echo): the first has no logprob; <paramref name="logprobs"/> may be null when the engine gave none.</summary>
    public LegacyLogprobs Prompt(IReadOnlyList<int> ids, IReadOnlyList<TokenLogprob?>? logprobs)
    {
        var result = Empty();
        for (int i = 0; i < ids.Count; i++)
        {
            var lp = logprobs is not null && i < logprobs.Count ? logprobs[i] : null;
            Add(result, ids[i], lp);
        }
        return result;
    }

    /// <summary>Generated tokens of one output.</summary>
    public LegacyLogprobs Output(IReadOnlyList<TokenLogprob> logprobs)
    {
        var result = Empty();
        foreach (var lp in logprobs)
            Add(result, lp.TokenId, lp);
        return result;
    }

    /// <summary>Sets where the next token's text starts: the length of the choice's text before it (re-synchronised at every output).</summary>
    public void MoveTo(int textLength) => _offset = textLength;

    public static LegacyLogprobs Empty() => new([], [], [], []);

    public static void Append(LegacyLogprobs into, LegacyLogprobs more)
    {
        into.Tokens.AddRange(more.Tokens);
        into.TokenLogprobs.AddRange(more.TokenLogprobs);
        into.TopLogprobs.AddRange(more.TopLogprobs);
        into.TextOffset.AddRange(more.TextOffset);
    }

    private void Add(LegacyLogprobs into, int id, TokenLogprob? lp)
    {
        string piece = tokenizer.TokenToPiece(id);
        into.Tokens.Add(piece);
        into.TextOffset.Add(_offset);
        if (!tokenizer.IsControl(id)) // BOS and the like are not part of the text
            _offset += piece.Length;
        if (lp is null)
        {
            into.TokenLogprobs.Add(null);
            into.TopLogprobs.Add(null);
            return;
        }
        into.TokenLogprobs.Add(Finish.Logprob(lp.Logprob));
        var top = new Dictionary<string, float>(lp.Top.Count);
        foreach (var alt in lp.Top)
            top.TryAdd(tokenizer.TokenToPiece(alt.TokenId), Finish.Logprob(alt.Logprob)); // two ids may share a text
        into.TopLogprobs.Add(top);
    }
}
