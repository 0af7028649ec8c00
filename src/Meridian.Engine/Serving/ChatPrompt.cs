// Chat messages -> prompt token ids, shared by the HTTP server and in-process chat adapters: render the
// model's chat template (ChatML when it has none, as llama.cpp falls back) with add_generation_prompt,
// then encode with special tokens parsed, adding BOS only when the tokenizer wants one and the text lacks it.
using System.Text.Json.Nodes;
using Meridian.Tokenizers.Templates;

namespace Meridian.Engine.Serving;

/// <summary>One chat turn as the template sees it: role ("system", "user", "assistant", "tool", ...) and text.</summary>
public sealed record ChatPromptMessage(string Role, string? Content)
{
    /// <summary>An assistant turn's tool calls, OpenAI's shape ({id, type, function: {name, arguments}}; arguments an object where they parse as one, as templates expect).</summary>
    public JsonArray? ToolCalls { get; init; }

    /// <summary>A tool result's call id.</summary>
    public string? ToolCallId { get; init; }

    /// <summary>A tool result's function name, when given.</summary>
    public string? Name { get; init; }
}

/// <summary>Turns a conversation into the prompt ids the engine takes.</summary>
public static class ChatPrompt
{
    /// <summary>The template used when a model carries none (llama.cpp's fallback too).</summary>
    public const string ChatMlSource =
        "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    private static readonly ChatTemplate ChatMl = ChatTemplate.Parse(ChatMlSource, "ChatML fallback template");

    /// <summary>The bos_token and eos_token a chat template sees: the vocabulary's BOS and EOS pieces.</summary>
    public static ChatTemplateSpecialTokens SpecialTokens(Tokenizers.Tokenizer tok)
    {
        string? Piece(int id) => id >= 0 && id < tok.VocabSize ? tok.TokenText(id) : null;
        return new ChatTemplateSpecialTokens(Piece(tok.BosId), Piece(tok.EosId));
    }

    /// <summary>
    /// Renders <paramref name="messages"/> (and <paramref name="tools"/>, OpenAI's function definitions, which the
    /// template shows the model its own way) through the model's template with the assistant's turn opened and
    /// encodes the text. Throws <see cref="TemplateException"/> (e.g. a template's raise_exception on roles
    /// that do not alternate) and <see cref="ArgumentException"/> for null messages.
    /// </summary>
    public static int[] Encode(EngineModelInfo model, IReadOnlyList<ChatPromptMessage> messages, JsonArray? tools = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(messages);
        var array = new JsonArray();
        for (int i = 0; i < messages.Count; i++)
        {
            var m = messages[i] ?? throw new ArgumentException($"messages[{i}] is null", nameof(messages));
            var o = new JsonObject { ["role"] = m.Role, ["content"] = m.Content };
            if (m.ToolCalls is { } calls)
                o["tool_calls"] = calls.DeepClone();
            if (m.ToolCallId is { } id)
                o["tool_call_id"] = id;
            if (m.Name is { } name)
                o["name"] = name;
            array.Add(o);
        }
        var template = model.ChatTemplate ?? ChatMl;
        string prompt = template.Render(ChatTemplateContext.Create(array, tools?.DeepClone(), addGenerationPrompt: true, specialTokens: model.SpecialTokens));
        var tok = model.Tokenizer;
        // The template writes BOS itself when it wants one; add it only when the vocabulary does and the text lacks it.
        var ids = tok.Encode(prompt, addSpecial: false, parseSpecial: true);
        if (tok.AddBos && tok.BosId >= 0 && (ids.Length == 0 || ids[0] != tok.BosId))
            return [tok.BosId, .. ids];
        return ids;
    }
}
