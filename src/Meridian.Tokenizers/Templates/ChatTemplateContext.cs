// Builds the variables transformers' apply_chat_template gives a template: messages, tools,
// documents, add_generation_prompt, the special tokens, then extra template kwargs (later wins).
using System.Text.Json.Nodes;

namespace Meridian.Tokenizers.Templates;

/// <summary>The standard chat-template context.</summary>
public static class ChatTemplateContext
{
    /// <summary>
    /// Creates the context: <c>messages</c>, <c>tools</c> (null when absent), <c>documents</c> (null),
    /// <c>add_generation_prompt</c>, the non-null special tokens, then each entry of <paramref name="extraContext"/>
    /// (e.g. enable_thinking, date_string), which may override any of the others.
    /// </summary>
    public static Dictionary<string, object?> Create(
        JsonNode? messages,
        JsonNode? tools = null,
        bool addGenerationPrompt = false,
        ChatTemplateSpecialTokens? specialTokens = null,
        JsonObject? extraContext = null)
    {
        var context = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["messages"] = messages,
            ["tools"] = tools,
            ["documents"] = null,
            ["add_generation_prompt"] = addGenerationPrompt,
        };
        if (specialTokens is not null)
        {
            AddIfSet(context, "bos_token", specialTokens.BosToken);
            AddIfSet(context, "eos_token", specialTokens.EosToken);
            AddIfSet(context, "unk_token", specialTokens.UnkToken);
            AddIfSet(context, "pad_token", specialTokens.PadToken);
        }
        if (extraContext is not null)
            foreach (var (key, value) in extraContext)
                context[key] = value;
        return context;
    }

    private static void AddIfSet(Dictionary<string, object?> context, string key, string? value)
    {
        if (value is not null) context[key] = value;
    }
}
