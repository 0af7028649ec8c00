// One request's constrained decoding: before each sampling step the logits of every token the grammar does not allow
// next are set to -infinity (TokenVocabulary.Mask: a trie walk, with string text as precomputed slices),
// end-of-generation tokens are allowed only where the output may end, and after the step the chosen token is fed to
// the grammar. A lazy grammar (GrammarSpec.Trigger, as llama.cpp's grammar triggers) masks nothing until the trigger
// text shows up in the output; from its first byte on, the output follows the grammar. Each request compiles its own
// grammar (its lexer DFA and parser state are its own), so requests sampled in parallel share nothing mutable and
// batching cannot change what one of them may produce.
using Meridian.Grammar.Cfg;
using Meridian.Grammar.Json;
using Meridian.Grammar.Matching;
using Meridian.Grammar.Regex;

namespace Meridian.Grammar.Constraints;

/// <summary>The grammar state of one request over a vocabulary.</summary>
public sealed class GrammarConstraint
{
    private readonly TokenVocabulary _vocab;
    private readonly HashSet<int> _endTokens;
    private readonly GrammarMatcher _matcher;
    private readonly ulong[] _mask;
    private readonly byte[]? _trigger;
    private readonly List<byte> _tail = [];

    private readonly IReadOnlyDictionary<int, byte[]> _markers;

    private GrammarConstraint(CfgGrammar grammar, TokenVocabulary vocab, IEnumerable<int> endTokens, string? trigger, IReadOnlyDictionary<int, byte[]>? markers)
    {
        _markers = markers ?? new Dictionary<int, byte[]>();
        _vocab = vocab;
        _endTokens = [.. endTokens];
        _matcher = new GrammarMatcher(grammar, new LexerStates(grammar));
        _mask = new ulong[(vocab.VocabSize + 63) / 64];
        _trigger = string.IsNullOrEmpty(trigger) ? null : System.Text.Encoding.UTF8.GetBytes(trigger);
        Active = _trigger is null;
    }

    /// <summary>Whether the grammar applies yet (always, unless the grammar is lazy and its trigger has not appeared).</summary>
    public bool Active { get; private set; }

    /// <summary>A lazy grammar's trigger appeared inside a token whose remaining bytes the grammar does not allow; the output stays free.</summary>
    public bool Abandoned { get; private set; }

    /// <summary>
    /// Compiles <paramref name="spec"/> for a vocabulary (<paramref name="endTokens"/>: the ids that end generation;
    /// <paramref name="markers"/>: special tokens without text that stand for the given bytes here, such as Mistral's
    /// [TOOL_CALLS]). Throws <see cref="GrammarException"/> naming what cannot be enforced.
    /// </summary>
    public static GrammarConstraint Create(GrammarSpec spec, TokenVocabulary vocab, IEnumerable<int> endTokens, IReadOnlyDictionary<int, byte[]>? markers = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(vocab);
        return new GrammarConstraint(Compile(spec), vocab, endTokens, spec.Trigger, markers);
    }

    private ReadOnlySpan<byte> BytesOf(int token) => _markers.TryGetValue(token, out var bytes) ? bytes : _vocab.BytesOf(token);

    /// <summary>Checks that <paramref name="spec"/> can be enforced (compiles it), throwing <see cref="GrammarException"/> if not.</summary>
    public static void Validate(GrammarSpec spec) => Compile(spec);

    /// <summary>Tokens the last mask allowed (end tokens included).</summary>
    public int AllowedCount { get; private set; }

    /// <summary>
    /// Starts computing the next mask on the thread pool (while the forward pass runs); <see cref="Mask"/> waits for
    /// it. The bits do not depend on when they are computed.
    /// </summary>
    public void PrepareNext()
    {
        if (Active && _prepared is null)
            _prepared = Task.Run(ComputeBits);
    }

    private Task? _prepared;

    // The bits of the tokens allowed next (end tokens aside).
    private void ComputeBits()
    {
        Array.Clear(_mask);
        _vocab.Mask(_matcher, _mask);
        foreach (var (id, bytes) in _markers)
        {
            var at = _matcher.Position;
            if ((uint)id < (uint)_vocab.VocabSize && _matcher.TryBytes(bytes))
                _mask[id >> 6] |= 1UL << (id & 63);
            _matcher.Reset(at);
        }
    }

    /// <summary>Sets the logit of every token not allowed next to -infinity.</summary>
    public void Mask(Span<float> logits)
    {
        if (!Active)
        {
            AllowedCount = Math.Min(logits.Length, _vocab.VocabSize);
            return;
        }
        if (_prepared is { } pending)
        {
            pending.GetAwaiter().GetResult();
            _prepared = null;
        }
        else
            ComputeBits();
        bool canEnd = _matcher.CanEnd();
        foreach (int id in _endTokens) // end tokens have no bytes: their bit says only whether the output may end
        {
            if ((uint)id < (uint)_vocab.VocabSize)
            {
                if (canEnd)
                    _mask[id >> 6] |= 1UL << (id & 63);
                else
                    _mask[id >> 6] &= ~(1UL << (id & 63));
            }
        }
        // Word by word: a full word of allowed tokens (free text inside a string) costs one compare.
        int allowed = 0;
        for (int w = 0; w < _mask.Length; w++)
        {
            ulong bits = _mask[w];
            allowed += System.Numerics.BitOperations.PopCount(bits);
            if (bits == ulong.MaxValue)
                continue;
            int start = w << 6, end = Math.Min(start + 64, logits.Length);
            if (bits == 0)
            {
                logits[start..end].Fill(float.NegativeInfinity);
                continue;
            }
            for (int id = start; id < end; id++)
            {
                if ((bits & (1UL << (id & 63))) == 0)
                    logits[id] = float.NegativeInfinity;
            }
        }
        if (logits.Length > _vocab.VocabSize)
            logits[_vocab.VocabSize..].Fill(float.NegativeInfinity); // model rows past the tokenizer's vocabulary
        if (allowed == 0)
        {
            // No token of this vocabulary continues the output (a byte sequence none of its tokens spells): end it
            // rather than sample from nothing. The output is then incomplete; DeadEnd says so.
            foreach (int id in _endTokens)
            {
                if (id < logits.Length)
                {
                    logits[id] = 0f;
                    allowed++;
                }
            }
            DeadEnd = true;
        }
        AllowedCount = allowed;
    }

    /// <summary>A mask found no token that continues the output, so only end tokens were allowed.</summary>
    public bool DeadEnd { get; private set; }

    /// <summary>Feeds the token chosen; an end token is accepted only where the output may end.</summary>
    public void Accept(int token)
    {
        if (_prepared is not null)
            throw new InvalidOperationException("Accept before the prepared mask was used");
        if (!Active)
        {
            if (_trigger is not null && !Abandoned && !_endTokens.Contains(token))
                Watch(BytesOf(token));
            return;
        }
        if (_endTokens.Contains(token))
        {
            if (!DeadEnd && !_matcher.CanEnd())
                throw new InvalidOperationException($"end token {token} where the grammar is not complete");
            return;
        }
        if (!_matcher.TryBytes(BytesOf(token)))
            throw new InvalidOperationException($"token {token} is not allowed by the grammar here");
    }

    // Looks for the trigger in the output's last bytes; once found, the grammar takes the output from the trigger on.
    private void Watch(ReadOnlySpan<byte> bytes)
    {
        _tail.AddRange(bytes);
        var tail = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_tail);
        int at = tail.IndexOf(_trigger);
        if (at >= 0)
        {
            Active = true;
            if (!_matcher.TryBytes(tail[at..]))
            {
                Active = false;
                Abandoned = true;
            }
            _tail.Clear();
            return;
        }
        int keep = _trigger!.Length - 1;
        if (_tail.Count > keep)
            _tail.RemoveRange(0, _tail.Count - keep);
    }

    private static CfgGrammar Compile(GrammarSpec spec)
    {
        switch (spec.Kind)
        {
            case GrammarKind.JsonObject:
                return JsonGrammar.Build(objectOnly: true);
            case GrammarKind.JsonValue:
                return JsonGrammar.Build(objectOnly: false);
            case GrammarKind.Regex:
            {
                var b = new CfgBuilder();
                int root = b.Nonterminal("root");
                int expr = RegexSyntax.Parse(b.Exprs, spec.Source ?? throw new GrammarException("a regex constraint without a pattern"), anchored: true);
                if (b.Exprs.Nullable(expr))
                    b.Rule(root);
                if (expr != ExprSet.Epsilon)
                    b.Rule(root, b.Lexeme($"/{spec.Source}/", NonEmpty(b.Exprs, expr)));
                return b.Build(root);
            }
            case GrammarKind.JsonSchema:
            {
                System.Text.Json.JsonDocument doc;
                try
                {
                    doc = System.Text.Json.JsonDocument.Parse(spec.Source ?? throw new GrammarException("a JSON Schema constraint without a schema"));
                }
                catch (System.Text.Json.JsonException e)
                {
                    throw new GrammarException($"the JSON Schema is not JSON: {e.Message}");
                }
                using (doc)
                    return JsonSchemaCompiler.Compile(doc.RootElement, spec.Prefix, spec.Suffix, spec.Repeated, spec.SingleSpaces);
            }
            case GrammarKind.Gbnf:
                return Gbnf.GbnfParser.Parse(spec.Source ?? throw new GrammarException("a GBNF constraint without a grammar"));
            default:
                throw new GrammarException($"unknown constraint kind {spec.Kind}");
        }
    }

    // The non-empty strings of expr (a lexeme may not match the empty string; the rule above allows it instead):
    // expr minus epsilon, written as the union over bytes b of b · (derivative by b).
    private static int NonEmpty(ExprSet exprs, int expr)
    {
        var parts = new List<int>();
        for (int b = 0; b < 256; b++)
        {
            int d = exprs.Derivative(expr, (byte)b);
            if (d != ExprSet.Nothing)
                parts.Add(exprs.Concat(exprs.Byte((byte)b), d));
        }
        return exprs.Or(parts.ToArray());
    }
}
