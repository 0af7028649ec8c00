// Splits text at special tokens before the tokenizer proper runs, with the results of llama.cpp's
// tokenizer_st_partition (src/llama-vocab.cpp). A vectorized SearchValues scan first finds which tokens
// occur at all, so plain text costs one pass.
using System.Buffers;

namespace Meridian.Tokenizers;

/// <summary>A piece of the input: a special token (<see cref="TokenId"/> &gt;= 0) or plain text (-1) at [Start, Start+Length).</summary>
internal readonly record struct Fragment(int TokenId, int Start, int Length)
{
    public int End => Start + Length;
}

// Tokens are taken longest first, each splitting every remaining stretch of plain text at all its
// occurrences; lstrip/rstrip tokens swallow adjacent ASCII whitespace. Control and unknown tokens take
// part only when specials are parsed; user-defined tokens always.
internal sealed class SpecialTokenMatcher
{
    private readonly Vocabulary _vocab;
    private readonly Candidates? _all;        // control, user-defined and unknown tokens
    private readonly Candidates? _userDefined; // user-defined tokens that are not also control/unknown

    public SpecialTokenMatcher(Vocabulary vocab)
    {
        _vocab = vocab;
        _all = Candidates.Create(vocab, vocab.SpecialTokens);
        _userDefined = Candidates.Create(vocab, vocab.SpecialTokens
            .Where(id => !vocab.Has(id, TokenAttributes.Control | TokenAttributes.Unknown)).ToArray());
    }

    /// <summary>The fragments of <paramref name="text"/>, or null when no special token occurs in it.</summary>
    public List<Fragment>? Partition(ReadOnlySpan<char> text, bool parseSpecial)
    {
        var candidates = parseSpecial ? _all : _userDefined;
        if (candidates is null)
            return null;
        int[]? occurring = candidates.FindOccurring(text);
        if (occurring is null)
            return null;

        var fragments = new List<Fragment> { new(-1, 0, text.Length) };
        var next = new List<Fragment>();
        foreach (int id in occurring) // longest first, as the candidates are ordered
        {
            string token = _vocab.Texts[id];
            bool lstrip = _vocab.Has(id, TokenAttributes.LStrip), rstrip = _vocab.Has(id, TokenAttributes.RStrip);
            next.Clear();
            foreach (var f in fragments)
            {
                if (f.TokenId >= 0)
                {
                    next.Add(f);
                    continue;
                }
                int start = f.Start, end = f.End;
                while (true)
                {
                    int at = text[start..end].IndexOf(token, StringComparison.Ordinal);
                    if (at < 0)
                    {
                        if (end > start)
                            next.Add(new Fragment(-1, start, end - start));
                        break;
                    }
                    at += start;
                    int leftEnd = at;
                    if (lstrip)
                        while (leftEnd > start && IsCSpace(text[leftEnd - 1]))
                            leftEnd--;
                    if (leftEnd > start)
                        next.Add(new Fragment(-1, start, leftEnd - start));
                    next.Add(new Fragment(id, at, token.Length));
                    start = at + token.Length;
                    if (rstrip)
                        while (start < end && IsCSpace(text[start]))
                            start++;
                    if (start >= end)
                        break;
                }
            }
            (fragments, next) = (next, fragments);
        }
        return fragments;
    }

    // C isspace in the "C" locale, which llama.cpp applies byte by byte.
    private static bool IsCSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';

    private sealed class Candidates
    {
        private readonly int[] _ids;             // longest first
        private readonly SearchValues<string> _texts;
        private readonly string[] _textOf;        // by index into _ids
        private readonly Dictionary<char, int[]> _byFirstChar;

        private Candidates(Vocabulary vocab, int[] ids)
        {
            _ids = ids;
            _textOf = ids.Select(id => vocab.Texts[id]).ToArray();
            _texts = SearchValues.Create(_textOf.Distinct(StringComparer.Ordinal).ToArray(), StringComparison.Ordinal);
            _byFirstChar = Enumerable.Range(0, ids.Length)
                .GroupBy(k => _textOf[k][0])
                .ToDictionary(g => g.Key, g => g.ToArray());
        }

        public static Candidates? Create(Vocabulary vocab, int[] ids) => ids.Length == 0 ? null : new Candidates(vocab, ids);

        /// <summary>The candidate ids that occur in <paramref name="text"/>, in candidate order; null when none does.</summary>
        public int[]? FindOccurring(ReadOnlySpan<char> text)
        {
            bool[]? seen = null;
            int pos = 0;
            while (pos < text.Length)
            {
                int i = text[pos..].IndexOfAny(_texts);
                if (i < 0)
                    break;
                int at = pos + i;
                foreach (int k in _byFirstChar[text[at]])
                    if (text[at..].StartsWith(_textOf[k], StringComparison.Ordinal))
                        (seen ??= new bool[_ids.Length])[k] = true;
                pos = at + 1;
            }
            if (seen is null)
                return null;
            var result = new List<int>();
            for (int k = 0; k < _ids.Length; k++)
                if (seen[k])
                    result.Add(_ids[k]);
            return result.ToArray();
        }
    }
}
