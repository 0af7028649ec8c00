// The tokenizer part of HfToGguf: a TokenizerSpec written as tokenizer.ggml.* keys, the inverse of
// TokenizerLoader.FromGguf (llama.cpp gguf-py GGUFWriter.add_tokenizer_model / add_token_list ...).
using Meridian.Core;
using Meridian.Formats.Gguf;
using Meridian.Tokenizers;

namespace Meridian.Models.Conversion;

public static partial class HfToGguf
{
    private const string Tok = "tokenizer.ggml.";

    private static void AddTokenizer(GgufWriter w, TokenizerSpec spec, int vocabSize, string origin)
    {
        int n = spec.Tokens.Count;
        if (n > vocabSize)
            throw new ModelFormatException($"{origin}: the tokenizer has {n} tokens but the model's vocab_size is {vocabSize}");
        if (spec.PreRegexes != null && spec.Pre is null)
            throw new ModelFormatException($"{origin}: the tokenizer's split regex is not one llama.cpp names (tokenizer.ggml.pre), so it cannot be written to GGUF");
        // llama.cpp needs one token per embedding row: pad as convert_hf_to_gguf does ([PADi], unused).
        var tokens = new string[vocabSize];
        var types = new int[vocabSize];
        for (int i = 0; i < vocabSize; i++)
        {
            tokens[i] = i < n ? spec.Tokens[i] : $"[PAD{i}]";
            types[i] = i < n ? (int)(spec.TokenTypes?[i] ?? TokenType.Normal) : (int)TokenType.Unused;
        }
        bool spm = spec.Kind == TokenizerKind.SentencePieceBpe;
        w.Add(Tok + "model", spm ? "llama" : "gpt2");
        w.Add(Tok + "pre", spm ? "default" : spec.Pre!);
        w.Add(Tok + "tokens", tokens);
        if (spm)
        {
            var scores = new float[vocabSize];
            for (int i = 0; i < n; i++)
                scores[i] = spec.Scores?[i] ?? 0f;
            w.Add(Tok + "scores", scores);
        }
        w.Add(Tok + "token_type", types);
        if (spec.Merges != null)
            w.Add(Tok + "merges", spec.Merges.ToArray());
        AddId(w, "bos_token_id", spec.BosId);
        AddId(w, "eos_token_id", spec.EosId);
        AddId(w, "unknown_token_id", spec.UnkId);
        AddId(w, "padding_token_id", spec.PadId);
        AddId(w, "eot_token_id", spec.EotId);
        w.Add(Tok + "add_bos_token", spec.AddBos);
        w.Add(Tok + "add_eos_token", spec.AddEos);
        if (spm)
            w.Add(Tok + "add_space_prefix", spec.AddSpacePrefix);
        if (spec.ChatTemplate != null)
            w.Add("tokenizer.chat_template", spec.ChatTemplate);
    }

    private static void AddId(GgufWriter w, string key, int id)
    {
        if (id != TokenizerSpec.NoToken)
            w.Add(Tok + key, (uint)id);
    }
}
