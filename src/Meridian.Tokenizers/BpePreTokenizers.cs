// The byte-level BPE pre-tokenizers llama.cpp knows by tokenizer.ggml.pre, with the regex lists and
// flags of src/llama-vocab.cpp (llm_tokenizer_bpe and llama_vocab::impl::load). Regexes are written in
// llama.cpp's dialect, non-ASCII characters as \u escapes.
using Meridian.Tokenizers.PreTokenization;

namespace Meridian.Tokenizers;

/// <summary>Looks up <see cref="BpePreset"/>s by llama.cpp pre-tokenizer name.</summary>
public static class BpePreTokenizers
{
    private const string Gpt2 = Gpt2Splitter.Pattern;
    private const string Llama3 = Llama3Splitter.Pattern;
    private const string Qwen2 = Llama3Splitter.Qwen2Pattern;

    // Cased letters (Unicode LC) as DeepSeek-LLM's tokenizer.json lists them.
    private const string DeepSeekLetters =
        "\\s?[A-Za-z\u00B5\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u01BA\u01BC-\u01BF\u01C4-\u0293\u0295-\u02AF\u0370-\u0373\u0376\u0377" +
        "\u037B-\u037D\u037F\u0386\u0388-\u038A\u038C\u038E-\u03A1\u03A3-\u03F5\u03F7-\u0481\u048A-\u052F\u0531-\u0556" +
        "\u10A0-\u10C5\u13A0-\u13F5\u13F8-\u13FD\u1C90-\u1CBA\u1CBD-\u1CBF\u1D00-\u1D2B\u1D6B-\u1D77\u1D79-\u1D9A" +
        "\u1E00-\u1F15\u1F18-\u1F1D\u1F20-\u1F45\u1F48-\u1F4D\u1F50-\u1F57\u1F59\u1F5B\u1F5D\u1F5F-\u1F7D\u1F80-\u1FB4" +
        "\u1FB6-\u1FBC\u1FBE\u1FC2-\u1FC4\u1FC6-\u1FCC\u1FD0-\u1FD3\u1FD6-\u1FDB\u1FE0-\u1FEC\u1FF2-\u1FF4\u1FF6-\u1FFC" +
        "\u2102\u2107\u210A-\u2113\u2115\u2119-\u211D\u2124\u2126\u2128\u212A-\u212D\u212F-\u2134\u2139\u213C-\u213F" +
        "\u2145-\u2149\u214E\u2183\u2184\u2C00-\u2C7B\u2C7E-\u2CE4\u2CEB-\u2CEE\u2CF2\u2CF3\uA640-\uA66D\uA680-\uA69B" +
        "\uA722-\uA76F\uA771-\uA787\uA78B-\uA78E\uAB70-\uABBF\uFB00-\uFB06\uFB13-\uFB17\uFF21-\uFF3A\uFF41-\uFF5A" +
        "\U00010400-\U0001044F\U000104B0-\U000104D3\U000104D8-\U000104FB\U00010C80-\U00010CB2\U00010CC0-\U00010CF2" +
        "\U000118A0-\U000118DF\U0001E900-\U0001E943]+";

    private const string DeepSeekPunctuation = "\\s?[!-/:-~\uFF01-\uFF0F\uFF1A-\uFF5E\u2018-\u201F\u3000-\u3002]+";
    private const string DeepSeekCjk = "[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+";

    private static readonly string[] DefaultRegexes = [@"[\p{P}\$\+<=>\^~\|]+", Gpt2, @"\p{N}+", "[0-9][0-9][0-9]"];
    private static readonly string[] Gpt2Regexes = [Gpt2];
    private static readonly string[] Llama3Regexes = [Llama3];
    private static readonly string[] Qwen2Regexes = [Qwen2];

    // llama.cpp's LLAMA_VOCAB_PRE_TYPE_GPT4O ("gpt-4o", "llama4"): OpenAI's o200k split (GPT-OSS's tokenizer.json).
    private static readonly string[] Gpt4oRegexes =
    [
        @"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+",
    ];
    private static readonly string[] StarCoderRegexes = [@"\p{N}", Gpt2];
    private static readonly string[] FalconRegexes = [@"[\p{P}\$\+<=>\^~\|`]+", Gpt2, "[0-9][0-9][0-9]"];
    private static readonly string[] DeepSeekLlmRegexes =
        ["[\r\n]", DeepSeekLetters, DeepSeekPunctuation, @"\s+$", DeepSeekCjk, @"\p{N}+"];
    private static readonly string[] DeepSeekCoderRegexes =
        ["[\r\n]", @"\s?\p{L}+", @"\s?\p{P}+", DeepSeekCjk, @"\p{N}"];
    private static readonly string[] DeepSeekV3Regexes =
    [
        @"\p{N}{1,3}",
        "[\u4E00-\u9FA5\u3040-\u309F\u30A0-\u30FF]+",
        @"[!""#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
    ];

    private static readonly Dictionary<string, BpePreset> Presets = Build();

    /// <summary>Every name accepted, sorted.</summary>
    public static IReadOnlyList<string> Names { get; } = Presets.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>The preset for <paramref name="name"/>, or false for a name llama.cpp does not know here.</summary>
    public static bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out BpePreset? preset) =>
        Presets.TryGetValue(name, out preset);

    /// <summary>The preset for <paramref name="name"/>; an unknown name is refused, naming it and the known ones.</summary>
    public static BpePreset Get(string name) =>
        TryGet(name, out var preset)
            ? preset
            : throw new TokenizerException(
                $"unknown pre-tokenizer '{name}' (tokenizer.ggml.pre); known: {string.Join(", ", Names)}");

    /// <summary>
    /// The preset whose regex list equals <paramref name="regexes"/>, for naming a tokenizer.json's Split patterns;
    /// tokenizer.json's (?i:'s|...) spelling of the Llama 3 and Qwen2 patterns counts as llama.cpp's.
    /// </summary>
    public static BpePreset? FindByRegexes(IReadOnlyList<string> regexes)
    {
        regexes = regexes.Select(r => r switch
        {
            Llama3Splitter.HfPattern => Llama3,
            Llama3Splitter.Qwen2HfPattern => Qwen2,
            _ => r,
        }).ToArray();
        foreach (var name in new[] { "gpt-2", "llama-bpe", "qwen2", "starcoder", "falcon", "default", "deepseek-coder", "deepseek-v3", "gpt-4o" })
            if (Presets[name].Regexes.SequenceEqual(regexes, StringComparer.Ordinal))
                return Presets[name];
        return null;
    }

    private static Dictionary<string, BpePreset> Build()
    {
        var d = new Dictionary<string, BpePreset>(StringComparer.Ordinal);
        void Add(string[] regexes, bool ignoreMerges, bool cleanSpaces, bool addBos, params string[] names)
        {
            foreach (var n in names)
                d.Add(n, new BpePreset(n, regexes, ignoreMerges, cleanSpaces, addBos));
        }

        // Names that differ only in flags are separate rows, as in llama.cpp's if-chain.
        Add(DefaultRegexes, false, true, false, "default");
        Add(Llama3Regexes, true, true, true, "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2");
        Add(Llama3Regexes, false, true, false, "dbrx", "smaug-bpe");
        Add(DeepSeekLlmRegexes, false, false, false, "deepseek-llm");
        Add(DeepSeekCoderRegexes, false, false, false, "deepseek-coder");
        Add(DeepSeekV3Regexes, false, false, false, "deepseek-v3");
        Add(FalconRegexes, false, true, false, "falcon");
        // "gpt-neox" is not a llama.cpp name; GPT-NeoX's tokenizer.json is ByteLevel with the GPT-2 split.
        Add(Gpt2Regexes, false, true, false, "gpt-2", "phi-2", "mpt", "olmo", "jais", "gpt-neox", "exaone4", "jina-es", "jina-de",
            "jina-v2-es", "jina-v2-de", "gigachat", "a.x-4.0", "mellum");
        Add(StarCoderRegexes, false, true, false, "starcoder", "refact", "codeshell", "exaone", "minerva-7b", "mellum2");
        Add(StarCoderRegexes, false, false, false, "command-r", "smollm");
        Add(Qwen2Regexes, false, false, false, "qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2");
        Add(Qwen2Regexes, false, true, false, "stablelm2", "megrez");
        Add(Gpt4oRegexes, false, false, false, "gpt-4o", "llama4");
        return d;
    }
}
