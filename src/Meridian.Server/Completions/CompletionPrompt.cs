// The legacy "prompt" field: a string (encoded with the tokenizer's BOS), an array of exactly one string, or an
// array of token ids (checked against the vocabulary). Batches of prompts are refused: send one request each.
using System.Text.Json;
using Meridian.Server.Common;
using Meridian.Server.Errors;
using Meridian.Tokenizers;

namespace Meridian.Server.Completions;

/// <summary>Prompt ids and the text echo returns.</summary>
internal sealed record CompletionPrompt(int[] Ids, string Text)
{
    public static CompletionPrompt Parse(JsonElement? prompt, Tokenizer tokenizer)
    {
        if (prompt is not { } value || value.ValueKind == JsonValueKind.Null)
            throw ApiException.Invalid("prompt", "'prompt' is missing.");
        if (value.ValueKind == JsonValueKind.String)
            return FromText(value.GetString()!, tokenizer);
        if (value.ValueKind != JsonValueKind.Array)
            throw ApiException.Invalid("prompt", $"Invalid type for 'prompt': expected a string or an array, got {RequestJson.Describe(value.ValueKind)}.");
        int count = value.GetArrayLength();
        if (count == 0)
            throw ApiException.Invalid("prompt", "'prompt' must not be empty.");
        var first = value[0];
        if (first.ValueKind == JsonValueKind.String)
        {
            if (count != 1)
                throw ApiException.Invalid("prompt", $"'prompt' has {count} strings; Meridian takes one prompt per request.");
            return FromText(first.GetString()!, tokenizer);
        }
        var ids = new int[count];
        int i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out int id))
                throw ApiException.Invalid($"prompt[{i}]", $"Invalid value for 'prompt[{i}]': expected a token id (an integer), got {RequestJson.Describe(item.ValueKind)} {Short(item)}.");
            if ((uint)id >= (uint)tokenizer.VocabSize)
                throw ApiException.Invalid($"prompt[{i}]", $"Invalid value for 'prompt[{i}]': token id {id} is outside the vocabulary of {tokenizer.VocabSize} tokens.");
            ids[i++] = id;
        }
        return new CompletionPrompt(ids, tokenizer.Decode(ids));
    }

    private static CompletionPrompt FromText(string text, Tokenizer tokenizer)
    {
        var ids = tokenizer.Encode(text, addSpecial: true);
        if (ids.Length == 0)
            throw ApiException.Invalid("prompt", "'prompt' must not be empty.");
        return new CompletionPrompt(ids, text);
    }

    private static string Short(JsonElement item)
    {
        string raw = item.GetRawText();
        return raw.Length <= 40 ? raw : raw[..40] + "...";
    }
}
