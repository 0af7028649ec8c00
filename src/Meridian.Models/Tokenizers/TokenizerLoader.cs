// Reads a tokenizer from a GGUF file (tokenizer.ggml.* metadata, with llama.cpp's defaults from
// llama_vocab::impl::load), a Hugging Face tokenizer.json or directory, or a llama2.c tokenizer.bin,
// into one TokenizerSpec.
using Meridian.Formats.Gguf;
using Meridian.Formats.Llama2C;
using Meridian.Tokenizers;

namespace Meridian.Models.Tokenizers;

/// <summary>Loads tokenizers from model and tokenizer files.</summary>
public static class TokenizerLoader
{
    private const string Prefix = "tokenizer.ggml.";

    /// <summary>
    /// Reads the tokenizer spec at <paramref name="path"/>: a GGUF file, a tokenizer.json (or a directory
    /// holding one), or a llama2.c tokenizer.bin. The format is told by content, not by name.
    /// </summary>
    public static TokenizerSpec LoadSpec(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
            return HfTokenizerJson.Load(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"no such file or directory: {path}", path);

        Span<byte> head = stackalloc byte[4];
        int n;
        using (var stream = File.OpenRead(path))
            n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (n == 4 && head.SequenceEqual("GGUF"u8))
        {
            using var gguf = GgufFile.Open(path);
            return FromGguf(gguf);
        }
        if (n > 0 && (head[0] == (byte)'{' || path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)))
            return HfTokenizerJson.Load(path);
        var bin = Llama2CTokenizer.Load(path);
        return TokenizerSpec.FromLlama2C(bin.TokenBytes, bin.Scores);
    }

    /// <summary>Reads and builds the tokenizer at <paramref name="path"/> (see <see cref="LoadSpec"/>).</summary>
    public static Tokenizer Load(string path) => Tokenizer.Create(LoadSpec(path));

    /// <summary>
    /// The tokenizer described by a GGUF file's <c>tokenizer.ggml.*</c> keys. Missing optional keys take
    /// llama.cpp's defaults; an unknown <c>tokenizer.ggml.model</c> or <c>tokenizer.ggml.pre</c> is refused by name.
    /// </summary>
    public static TokenizerSpec FromGguf(GgufFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        string path = file.Path;
        if (!file.TryGetString(Prefix + "model", out string? model))
            throw new TokenizerException($"{path}: required metadata key '{Prefix}model' is missing, so the file has no tokenizer");
        var kind = model switch
        {
            "llama" => TokenizerKind.SentencePieceBpe,
            "gpt2" => TokenizerKind.ByteLevelBpe,
            _ => throw new TokenizerException($"{path}: {Prefix}model '{model}' is not supported (supported: llama, gpt2)"),
        };
        if (!file.TryGetStringArray(Prefix + "tokens", out var tokens))
            throw new TokenizerException($"{path}: required metadata key '{Prefix}tokens' is missing");
        int n = tokens.Count;

        BpePreset? preset = null;
        IReadOnlyList<string>? merges = null;
        string? pre = null;
        if (kind == TokenizerKind.ByteLevelBpe)
        {
            pre = file.TryGetString(Prefix + "pre", out string? p) && p.Length > 0 ? p : "default";
            if (!BpePreTokenizers.TryGet(pre, out preset))
                throw new TokenizerException(
                    $"{path}: unknown pre-tokenizer '{pre}' ({Prefix}pre); known: {string.Join(", ", BpePreTokenizers.Names)}");
            if (!file.TryGetStringArray(Prefix + "merges", out merges))
                throw new TokenizerException($"{path}: required metadata key '{Prefix}merges' is missing (needed by {Prefix}model 'gpt2')");
        }

        bool spm = kind == TokenizerKind.SentencePieceBpe;
        return new TokenizerSpec
        {
            Kind = kind,
            Pre = pre,
            Tokens = tokens,
            Scores = ReadScores(file, n),
            TokenTypes = ReadTypes(file, n),
            Merges = merges,
            BosId = SpecialId(file, "bos_token_id", spm ? 1 : 11, n),
            EosId = SpecialId(file, "eos_token_id", spm ? 2 : 11, n),
            UnkId = SpecialId(file, "unknown_token_id", spm ? 0 : TokenizerSpec.NoToken, n),
            PadId = SpecialId(file, "padding_token_id", TokenizerSpec.NoToken, n),
            EotId = SpecialId(file, "eot_token_id", TokenizerSpec.NoToken, n),
            AddBos = Flag(file, "add_bos_token", spm || preset!.AddBos),
            AddEos = Flag(file, "add_eos_token", false),
            AddSpacePrefix = Flag(file, "add_space_prefix", spm),
            IgnoreMerges = preset?.IgnoreMerges ?? false,
            CleanSpaces = preset?.CleanSpaces ?? false,
            ModelName = file.TryGetString("general.name", out string? name) ? name : null,
            ChatTemplate = file.TryGetString("tokenizer.chat_template", out string? template) ? template : null,
        };
    }

    private static float[]? ReadScores(GgufFile file, int n)
    {
        string key = Prefix + "scores";
        if (!file.TryGetArray(key, out var value))
            return null;
        float[] scores = value.ElementType == GgufValueType.Int32
            ? Array.ConvertAll(value.AsSpan<int>().ToArray(), i => (float)i)
            : file.GetFloat32Array(key);
        if (scores.Length < n)
            throw new TokenizerException($"{file.Path}: '{key}' has {scores.Length} entries for {n} tokens");
        return scores;
    }

    private static TokenType[]? ReadTypes(GgufFile file, int n)
    {
        string key = Prefix + "token_type";
        if (!file.TryGetInt32Array(key, out int[]? raw))
            return null;
        if (raw.Length < n)
            throw new TokenizerException($"{file.Path}: '{key}' has {raw.Length} entries for {n} tokens");
        var types = new TokenType[n];
        for (int i = 0; i < n; i++)
            types[i] = raw[i] is >= 0 and <= 6 ? (TokenType)raw[i] : TokenType.Undefined;
        return types;
    }

    // llama.cpp: a default outside the vocabulary is disabled; a stored id outside it is ignored (with a warning there).
    private static int SpecialId(GgufFile file, string key, int defaultId, int n)
    {
        int id = defaultId >= 0 && defaultId < n ? defaultId : TokenizerSpec.NoToken;
        if (file.TryGetUInt32(Prefix + key, out uint stored) && stored < (uint)n)
            id = (int)stored;
        return id;
    }

    private static bool Flag(GgufFile file, string key, bool defaultValue) =>
        file.TryGetBool(Prefix + key, out bool value) ? value : defaultValue;
}
