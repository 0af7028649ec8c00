// Reads a Hugging Face tokenizer.json (+ tokenizer_config.json beside it) into a TokenizerSpec, typed as
// llama.cpp's convert_hf_to_gguf.py types it. Byte-level BPE only. Facts: huggingface/tokenizers JSON
// schema (tokenizers/src/tokenizer/serialization.rs, pre_tokenizers/*), transformers tokenizer_config keys.
using System.Text.Json;

namespace Meridian.Tokenizers;

// Vocab entries are normal tokens, special added tokens control, other added tokens user-defined.
/// <summary>Loads Hugging Face <c>tokenizer.json</c> files.</summary>
public static class HfTokenizerJson
{
    /// <summary>
    /// Reads <paramref name="path"/>: a tokenizer.json file or a directory holding one; tokenizer_config.json
    /// next to it supplies the chat template, BOS/EOS and add_bos_token. Throws <see cref="TokenizerException"/>
    /// naming the field it cannot use. Known limit: an NFC normalizer is accepted but not applied (llama.cpp does
    /// not apply it either), so text that is not already NFC may tokenize differently from Hugging Face.
    /// </summary>
    public static TokenizerSpec Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string jsonPath = Directory.Exists(path) ? Path.Combine(path, "tokenizer.json") : path;
        if (!File.Exists(jsonPath))
            throw new TokenizerException(Directory.Exists(path)
                ? $"{path}: directory holds no tokenizer.json"
                : $"no such file: {path}");
        string configPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(jsonPath))!, "tokenizer_config.json");

        using var json = Parse(jsonPath);
        using var config = File.Exists(configPath) ? Parse(configPath) : null;
        try
        {
            return FromJson(json.RootElement, config?.RootElement, jsonPath);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or KeyNotFoundException)
        {
            throw new TokenizerException($"{jsonPath}: unexpected structure: {e.Message}", e);
        }
    }

    private static JsonDocument Parse(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new TokenizerException($"{path}: not valid JSON: {e.Message}", e);
        }
    }

    private static TokenizerSpec FromJson(JsonElement root, JsonElement? config, string path)
    {
        var model = Get(root, "model", path);
        string type = model.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "BPE";
        if (type != "BPE")
            throw new TokenizerException($"{path}: model.type '{type}' is not supported (only BPE)");

        // Vocabulary: model.vocab plus added_tokens.
        var byId = new SortedDictionary<int, (string Text, TokenType Type)>();
        foreach (var entry in Get(model, "vocab", path).EnumerateObject())
            byId[entry.Value.GetInt32()] = (entry.Name, TokenType.Normal);
        var lstrip = new List<int>();
        var rstrip = new List<int>();
        if (root.TryGetProperty("added_tokens", out var added) && added.ValueKind == JsonValueKind.Array)
        {
            foreach (var a in added.EnumerateArray())
            {
                int id = Get(a, "id", path).GetInt32();
                string content = Get(a, "content", path).GetString() ?? "";
                bool special = a.TryGetProperty("special", out var sp) && sp.GetBoolean();
                byId[id] = (content, special ? TokenType.Control : TokenType.UserDefined);
                if (a.TryGetProperty("lstrip", out var l) && l.GetBoolean())
                    lstrip.Add(id);
                if (a.TryGetProperty("rstrip", out var r) && r.GetBoolean())
                    rstrip.Add(id);
            }
        }
        if (byId.Count == 0)
            throw new TokenizerException($"{path}: model.vocab is empty");
        int first = byId.Keys.First(), size = byId.Keys.Last() + 1;
        if (first < 0)
            throw new TokenizerException($"{path}: token id {first} is negative");
        var tokens = new string[size];
        var types = new TokenType[size];
        for (int id = 0; id < size; id++)
            (tokens[id], types[id]) = byId.TryGetValue(id, out var v) ? v : ($"[PAD{id}]", TokenType.Unused);
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int id = 0; id < size; id++)
            ids.TryAdd(tokens[id], id);

        var merges = new List<string>();
        foreach (var m in Get(model, "merges", path).EnumerateArray())
            merges.Add(m.ValueKind == JsonValueKind.Array
                ? m[0].GetString() + " " + m[1].GetString()
                : m.GetString() ?? "");

        string? Str(string key) => config is { } c && c.TryGetProperty(key, out var e) ? TokenContent(e) : null;
        bool? Bool(string key) => config is { } c && c.TryGetProperty(key, out var e) && e.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? e.GetBoolean() : null;
        int IdOf(string? text, string field) =>
            text is null ? TokenizerSpec.NoToken
            : ids.TryGetValue(text, out int id) ? id
            : throw new TokenizerException($"{path}: {field} '{text}' is not in the vocabulary");

        if (SentencePieceNormalizer(root) is { } prependSpace)
        {
            var (spmTypes, scores) = SentencePiece(model, tokens, types, ids, path);
            return new TokenizerSpec
            {
                Kind = TokenizerKind.SentencePieceBpe,
                Tokens = tokens,
                TokenTypes = spmTypes,
                Scores = scores,
                AddSpacePrefix = prependSpace,
                BosId = IdOf(Str("bos_token"), "bos_token"),
                EosId = IdOf(Str("eos_token"), "eos_token"),
                UnkId = IdOf(model.TryGetProperty("unk_token", out var su) && su.ValueKind == JsonValueKind.String ? su.GetString() : Str("unk_token"), "unk_token"),
                PadId = IdOf(Str("pad_token"), "pad_token"),
                AddBos = Bool("add_bos_token") ?? false,
                AddEos = Bool("add_eos_token") ?? false,
                LStripIds = lstrip,
                RStripIds = rstrip,
                ChatTemplate = ChatTemplate(config),
            };
        }
        CheckNormalizer(root, path);
        var regexes = new List<string>();
        bool byteLevel = false;
        if (!root.TryGetProperty("pre_tokenizer", out var pre) || pre.ValueKind == JsonValueKind.Null)
            throw new TokenizerException($"{path}: no pre_tokenizer; only byte-level BPE tokenizer.json files are supported");
        ReadPreTokenizer(pre, regexes, ref byteLevel, path);
        if (!byteLevel)
            throw new TokenizerException($"{path}: pre_tokenizer has no ByteLevel step; only byte-level BPE tokenizer.json files are supported");
        var preset = BpePreTokenizers.FindByRegexes(regexes);

        int bos = IdOf(Str("bos_token"), "bos_token");
        int eos = IdOf(Str("eos_token"), "eos_token");
        string? unkText = model.TryGetProperty("unk_token", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : Str("unk_token");
        var (templateBos, templateEos) = TemplateSpecials(root, ids);
        return new TokenizerSpec
        {
            Kind = TokenizerKind.ByteLevelBpe,
            Pre = preset?.Name,
            PreRegexes = preset is null ? regexes : null,
            Tokens = tokens,
            TokenTypes = types,
            Merges = merges,
            BosId = bos,
            EosId = eos,
            UnkId = IdOf(unkText, "unk_token"),
            PadId = IdOf(Str("pad_token"), "pad_token"),
            AddBos = Bool("add_bos_token") ?? (bos >= 0 && templateBos == bos),
            AddEos = Bool("add_eos_token") ?? (eos >= 0 && templateEos == eos),
            IgnoreMerges = model.TryGetProperty("ignore_merges", out var im) && im.ValueKind == JsonValueKind.True,
            CleanSpaces = Bool("clean_up_tokenization_spaces") ?? false,
            LStripIds = lstrip,
            RStripIds = rstrip,
            ChatTemplate = ChatTemplate(config),
        };
    }

    private static JsonElement Get(JsonElement e, string name, string path) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v)
            ? v
            : throw new TokenizerException($"{path}: required field '{name}' is missing");

    // A SentencePiece-style BPE (Gemma, converted SentencePiece models): spaces become U+2581 by a Replace normalizer
    // (after a Prepend of U+2581 where the model adds a space prefix), the model has byte fallback, and no ByteLevel
    // step. Returns whether a space is prepended, or null for other tokenizers.
    private static bool? SentencePieceNormalizer(JsonElement root)
    {
        if (!root.TryGetProperty("model", out var model) || !model.TryGetProperty("byte_fallback", out var bf) || bf.ValueKind != JsonValueKind.True)
            return null;
        if (!root.TryGetProperty("normalizer", out var n) || n.ValueKind != JsonValueKind.Object)
            return null;
        var steps = n.GetProperty("type").GetString() == "Sequence" ? n.GetProperty("normalizers").EnumerateArray().ToList() : [n];
        bool prepend = false, replace = false;
        foreach (var step in steps)
        {
            string type = step.GetProperty("type").GetString() ?? "";
            if (type == "Prepend" && step.GetProperty("prepend").GetString() == "\u2581")
                prepend = true;
            else if (type == "Replace" && step.GetProperty("pattern").TryGetProperty("String", out var from) && from.GetString() == " "
                && step.GetProperty("content").GetString() == "\u2581")
                replace = true;
            else
                return null;
        }
        return replace ? prepend : null;
    }

    // The SentencePiece-BPE spec of a tokenizer.json: the merge order as scores (a token made by an earlier merge
    // scores higher, as the converter from SentencePiece ordered the merges by the merged piece's score), <0xXX>
    // pieces as byte tokens.
    private static (TokenType[] Types, float[] Scores) SentencePiece(JsonElement model, string[] tokens, TokenType[] types, Dictionary<string, int> ids, string path)
    {
        var scores = new float[tokens.Length];
        Array.Fill(scores, float.MinValue);
        int rank = 0;
        foreach (var m in Get(model, "merges", path).EnumerateArray())
        {
            string merged = m.ValueKind == JsonValueKind.Array
                ? m[0].GetString() + m[1].GetString()
                : (m.GetString() ?? "").Replace(" ", "", StringComparison.Ordinal);
            if (ids.TryGetValue(merged, out int id) && scores[id] == float.MinValue)
                scores[id] = -rank;
            rank++;
        }
        var byteTypes = (TokenType[])types.Clone();
        for (int id = 0; id < tokens.Length; id++)
        {
            string t = tokens[id];
            if (byteTypes[id] == TokenType.Normal && t.Length == 6 && t.StartsWith("<0x", StringComparison.Ordinal) && t[5] == '>'
                && byte.TryParse(t.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out _))
                byteTypes[id] = TokenType.Byte;
        }
        return (byteTypes, scores);
    }

    private static void CheckNormalizer(JsonElement root, string path)
    {
        if (!root.TryGetProperty("normalizer", out var n) || n.ValueKind == JsonValueKind.Null)
            return;
        string type = n.GetProperty("type").GetString() ?? "";
        if (type == "NFC")
            return; // accepted, not applied: see Load
        if (type == "Sequence" && n.GetProperty("normalizers").GetArrayLength() == 0)
            return;
        throw new TokenizerException($"{path}: normalizer '{type}' is not supported");
    }

    // Collects Split regexes in order; ByteLevel with use_regex adds the GPT-2 split.
    private static void ReadPreTokenizer(JsonElement pre, List<string> regexes, ref bool byteLevel, string path)
    {
        string type = pre.GetProperty("type").GetString() ?? "";
        switch (type)
        {
            case "Sequence":
                foreach (var p in pre.GetProperty("pretokenizers").EnumerateArray())
                    ReadPreTokenizer(p, regexes, ref byteLevel, path);
                break;
            case "ByteLevel":
                byteLevel = true;
                if (pre.TryGetProperty("add_prefix_space", out var aps) && aps.ValueKind == JsonValueKind.True)
                    throw new TokenizerException($"{path}: ByteLevel add_prefix_space = true is not supported");
                if (!pre.TryGetProperty("use_regex", out var ur) || ur.ValueKind == JsonValueKind.True)
                    regexes.Add(PreTokenization.Gpt2Splitter.Pattern);
                break;
            case "Split":
                string behavior = pre.TryGetProperty("behavior", out var b) ? b.GetString() ?? "" : "";
                bool invert = pre.TryGetProperty("invert", out var inv) && inv.ValueKind == JsonValueKind.True;
                if (behavior != "Isolated" || invert)
                    throw new TokenizerException($"{path}: Split with behavior '{behavior}'{(invert ? " and invert" : "")} is not supported (only Isolated)");
                var pattern = pre.GetProperty("pattern");
                if (!pattern.TryGetProperty("Regex", out var regex))
                    throw new TokenizerException($"{path}: Split with a String pattern is not supported (only Regex)");
                regexes.Add(regex.GetString() ?? "");
                break;
            case "Digits":
                bool individual = pre.TryGetProperty("individual_digits", out var d) && d.ValueKind == JsonValueKind.True;
                regexes.Add(individual ? @"\p{N}" : @"\p{N}+");
                break;
            default:
                throw new TokenizerException($"{path}: pre_tokenizer '{type}' is not supported");
        }
    }

    // BOS/EOS a TemplateProcessing post-processor puts around a single sequence, if any.
    private static (int Bos, int Eos) TemplateSpecials(JsonElement root, Dictionary<string, int> ids)
    {
        if (!root.TryGetProperty("post_processor", out var pp) || pp.ValueKind != JsonValueKind.Object)
            return (TokenizerSpec.NoToken, TokenizerSpec.NoToken);
        var processors = pp.GetProperty("type").GetString() == "Sequence" && pp.TryGetProperty("processors", out var list)
            ? list.EnumerateArray().ToArray()
            : [pp];
        foreach (var p in processors)
        {
            if (p.GetProperty("type").GetString() != "TemplateProcessing" || !p.TryGetProperty("single", out var single))
                continue;
            var items = single.EnumerateArray().ToArray();
            int Special(JsonElement item) =>
                item.TryGetProperty("SpecialToken", out var s) && ids.TryGetValue(s.GetProperty("id").GetString() ?? "", out int id)
                    ? id : TokenizerSpec.NoToken;
            return items.Length == 0 ? (TokenizerSpec.NoToken, TokenizerSpec.NoToken) : (Special(items[0]), Special(items[^1]));
        }
        return (TokenizerSpec.NoToken, TokenizerSpec.NoToken);
    }

    // A token field is a string or an AddedToken object {"content": ...}.
    private static string? TokenContent(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Object when e.TryGetProperty("content", out var c) => c.GetString(),
        _ => null,
    };

    // chat_template is a string, or a list of {name, template} of which "default" is the one to use.
    private static string? ChatTemplate(JsonElement? config)
    {
        if (config is not { } c || !c.TryGetProperty("chat_template", out var t))
            return null;
        if (t.ValueKind == JsonValueKind.String)
            return t.GetString();
        if (t.ValueKind != JsonValueKind.Array)
            return null;
        string? firstTemplate = null;
        foreach (var item in t.EnumerateArray())
        {
            string? name = item.TryGetProperty("name", out var n) ? n.GetString() : null;
            string? template = item.TryGetProperty("template", out var tt) ? tt.GetString() : null;
            if (name == "default")
                return template;
            firstTemplate ??= template;
        }
        return firstTemplate;
    }
}
