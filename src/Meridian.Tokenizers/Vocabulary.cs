// The validated vocabulary behind a Tokenizer: text <-> id, attributes, special ids and end-of-generation
// set, derived from a TokenizerSpec with the load-time rules of llama.cpp's llama_vocab::impl::load
// (src/llama-vocab.cpp). Immutable after construction, so one instance serves every thread.
using System.Text;

namespace Meridian.Tokenizers;

// Those rules: control-looking end/FIM tokens are forced to control, EOG ids are found by text,
// Phi-3's special tokens get rstrip.
internal sealed class Vocabulary
{
    // Token texts llama.cpp treats as end of generation (and forces to control type).
    private static readonly string[] EndOfGenerationTexts =
    [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>",
        "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>",
        "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>", "<\uFF5Cend\u2581of\u2581sentence\uFF5C>", "[e~[",
    ];

    // First match is the end-of-turn id when the file gives none.
    private static readonly string[] EndOfTurnTexts =
    [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>",
        "[EOT]", "<\uFF5Cend\u2581of\u2581sentence\uFF5C>", "<end_of_utterance>",
    ];

    // Fill-in-the-middle markers: forced to control; pad, repo and file-separator also end generation.
    private static readonly string[][] FimTexts =
    [
        ["<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<\uFF5Cfim\u2581begin\uFF5C>", "<PRE>", "\u2581<PRE>", "<|code_prefix|>", "<|prefix|>"],
        ["<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<\uFF5Cfim\u2581hole\uFF5C>", "<SUF>", "\u2581<SUF>", "<|code_suffix|>", "<|suffix|>"],
        ["<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<\uFF5Cfim\u2581end\uFF5C>", "<MID>", "\u2581<MID>", "<|code_middle|>", "<|middle|>"],
        ["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"],
        ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"],
        ["<|file_sep|>"],
    ];

    private readonly Dictionary<string, int> _ids;
    private readonly bool[] _endOfGeneration;

    public Vocabulary(TokenizerSpec spec)
    {
        int n = spec.Tokens.Count;
        if (n == 0)
            throw new TokenizerException("the vocabulary is empty (no tokens)");
        if (spec.Scores is not null && spec.Scores.Count < n)
            throw new TokenizerException($"{spec.Scores.Count} scores for {n} tokens; need one per token");
        if (spec.TokenTypes is not null && spec.TokenTypes.Count < n)
            throw new TokenizerException($"{spec.TokenTypes.Count} token types for {n} tokens; need one per token");

        Texts = new string[n];
        Scores = new float[n];
        Attributes = new TokenAttributes[n];
        _ids = new Dictionary<string, int>(n, StringComparer.Ordinal);
        for (int id = 0; id < n; id++)
        {
            string text = spec.Tokens[id] ?? throw new TokenizerException($"token {id} is null");
            if (text.Length == 0)
                text = $"[EMPTY_{id}]"; // what llama.cpp does with an empty token
            if (!_ids.TryAdd(text, id))
                throw new TokenizerException($"duplicate token in vocabulary: '{text}' has ids {_ids[text]} and {id}");
            Texts[id] = text;
            Scores[id] = spec.Scores?[id] ?? 0f;
            Attributes[id] = spec.TypeOf(id) switch
            {
                TokenType.Normal => TokenAttributes.Normal,
                TokenType.Unknown => TokenAttributes.Unknown,
                TokenType.Control => TokenAttributes.Control,
                TokenType.UserDefined => TokenAttributes.UserDefined,
                TokenType.Unused => TokenAttributes.Unused,
                TokenType.Byte => TokenAttributes.Byte,
                _ => TokenAttributes.Undefined,
            };
        }
        Lookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();

        BosId = CheckId(spec.BosId, nameof(spec.BosId));
        EosId = CheckId(spec.EosId, nameof(spec.EosId));
        UnkId = CheckId(spec.UnkId, nameof(spec.UnkId));
        PadId = CheckId(spec.PadId, nameof(spec.PadId));
        if (spec.AddBos && BosId == TokenizerSpec.NoToken)
            throw new TokenizerException("AddBos (tokenizer.ggml.add_bos_token) is true, but no BOS id is set");
        if (spec.AddEos && EosId == TokenizerSpec.NoToken)
            throw new TokenizerException("AddEos (tokenizer.ggml.add_eos_token) is true, but no EOS id is set");

        EotId = CheckId(spec.EotId, nameof(spec.EotId));
        if (EotId == TokenizerSpec.NoToken)
            EotId = FindFirst(EndOfTurnTexts);
        _endOfGeneration = DeriveEndOfGeneration(spec);
        EndOfGenerationIds = Enumerable.Range(0, n).Where(i => _endOfGeneration[i]).ToArray();
        ApplyStrip(spec.LStripIds, TokenAttributes.LStrip, nameof(spec.LStripIds));
        ApplyStrip(spec.RStripIds, TokenAttributes.RStrip, nameof(spec.RStripIds));
        ApplyModelNameFixes(spec.ModelName);

        // Special tokens are matched longest first (llama.cpp cache_special_tokens; ties by id here).
        SpecialTokens = Enumerable.Range(0, n)
            .Where(id => (Attributes[id] & (TokenAttributes.Control | TokenAttributes.UserDefined | TokenAttributes.Unknown)) != 0)
            .OrderByDescending(id => Encoding.UTF8.GetByteCount(Texts[id]))
            .ThenBy(id => id)
            .ToArray();
    }

    public string[] Texts { get; }
    public float[] Scores { get; }
    public TokenAttributes[] Attributes { get; }
    public Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> Lookup { get; }
    public int Count => Texts.Length;
    public int BosId { get; }
    public int EosId { get; }
    public int UnkId { get; }
    public int PadId { get; }
    public int EotId { get; }

    /// <summary>Control, user-defined and unknown tokens, longest UTF-8 text first.</summary>
    public int[] SpecialTokens { get; }

    /// <summary>Ids that end generation, ascending.</summary>
    public IReadOnlyList<int> EndOfGenerationIds { get; }

    public bool IsEndOfGeneration(int id) => (uint)id < (uint)_endOfGeneration.Length && _endOfGeneration[id];

    public bool Has(int id, TokenAttributes a) => (Attributes[id] & a) != 0;

    public int IdOf(ReadOnlySpan<char> text) => Lookup.TryGetValue(text, out int id) ? id : TokenizerSpec.NoToken;

    private int CheckId(int id, string field)
    {
        if (id == TokenizerSpec.NoToken)
            return id;
        if ((uint)id >= (uint)Texts.Length)
            throw new TokenizerException($"{field} is {id}, outside the vocabulary of {Texts.Length} tokens");
        return id;
    }

    private int FindFirst(string[] texts)
    {
        foreach (var t in texts)
            if (_ids.TryGetValue(t, out int id))
                return id;
        return TokenizerSpec.NoToken;
    }

    private void ForceControl(int id)
    {
        if (!Has(id, TokenAttributes.Control))
            Attributes[id] |= TokenAttributes.Control;
    }

    private bool[] DeriveEndOfGeneration(TokenizerSpec spec)
    {
        var eog = new bool[Texts.Length];
        if (EotId != TokenizerSpec.NoToken)
            ForceControl(EotId);
        for (int k = 0; k < FimTexts.Length; k++)
        {
            int id = FindFirst(FimTexts[k]);
            if (id == TokenizerSpec.NoToken)
                continue;
            ForceControl(id);
            if (k >= 3) // pad, repo, file separator
                eog[id] = true;
        }
        foreach (var t in EndOfGenerationTexts)
        {
            if (_ids.TryGetValue(t, out int id))
            {
                eog[id] = true;
                ForceControl(id);
            }
        }
        // gpt-oss renders these even when specials are not parsed (llama.cpp sets them user-defined).
        foreach (var t in new[] { "<|channel|>", "<|message|>", "<|start|>", "<|constrain|>" })
            if (_ids.TryGetValue(t, out int id))
                Attributes[id] = TokenAttributes.UserDefined;
        if (EosId != TokenizerSpec.NoToken)
            eog[EosId] = true;
        if (EotId != TokenizerSpec.NoToken)
            eog[EotId] = true;
        if (_ids.TryGetValue("<|eom_id|>", out int eom))
            eog[eom] = true;

        // o200k_harmony / solar-open: <|end|> is not an end of generation when <|return|>/<|call|> exist.
        bool Eog(string t) => _ids.TryGetValue(t, out int i) && eog[i];
        if (_ids.TryGetValue("<|end|>", out int end) && eog[end] &&
            ((Eog("<|return|>") && Eog("<|call|>")) || (Eog("<|calls|>") && Eog("<|flush|>"))))
        {
            eog[end] = false;
            Attributes[end] = TokenAttributes.UserDefined;
        }
        // Gemma 4 / PaddleOCR: </s> is not an end of generation when <|tool_response> is one.
        if (Eog("<|tool_response>") && _ids.TryGetValue("</s>", out int s) && eog[s])
        {
            eog[s] = false;
            Attributes[s] = TokenAttributes.Normal;
        }

        if (spec.EndOfGenerationIds is { } given)
        {
            Array.Clear(eog);
            foreach (int id in given)
                eog[CheckId(id, nameof(spec.EndOfGenerationIds))] = true;
        }
        return eog;
    }

    private void ApplyStrip(IReadOnlyList<int>? ids, TokenAttributes bit, string field)
    {
        if (ids is null)
            return;
        foreach (int id in ids)
            Attributes[CheckId(id, field)] |= bit;
    }

    // llama.cpp sets per-token attributes by model name; only Phi-3's matters for the families read here.
    private void ApplyModelNameFixes(string? modelName)
    {
        if (modelName is null)
            return;
        string name = modelName.ToLowerInvariant();
        if (!name.Contains("phi-3", StringComparison.Ordinal) && !name.Contains("phi3", StringComparison.Ordinal))
            return;
        for (int id = 0; id < Attributes.Length; id++)
            if ((Attributes[id] & (TokenAttributes.Control | TokenAttributes.UserDefined | TokenAttributes.Unknown)) != 0)
                Attributes[id] |= TokenAttributes.RStrip;
        if (_ids.TryGetValue("</s>", out int eos))
            Attributes[eos] |= TokenAttributes.RStrip;
        foreach (var t in new[] { "<unk>", "<s>", "<|endoftext|>" })
            if (_ids.TryGetValue(t, out int id))
                Attributes[id] &= ~TokenAttributes.RStrip;
    }
}
