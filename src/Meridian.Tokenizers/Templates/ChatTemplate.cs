// A parsed Hugging Face chat template (`tokenizer.chat_template` in GGUF, `chat_template` in
// tokenizer_config.json), rendered the way transformers' apply_chat_template does with Jinja2:
// lexer -> parser -> syntax tree -> tree-walking interpreter over a Python-like value model.
using System.Collections.Concurrent;

namespace Meridian.Tokenizers.Templates;

/// <summary>
/// A chat template. Parse once, render per request; rendering is thread-safe. Syntax and render errors are
/// <see cref="TemplateException"/>s naming the template line; <c>raise_exception(msg)</c> is a
/// <see cref="TemplateRaiseException"/> whose message is exactly msg.
/// </summary>
public sealed class ChatTemplate
{
    // Whitespace options act in the lexer, so each distinct combination is parsed (once) on first use.
    private readonly ConcurrentDictionary<(bool Trim, bool Lstrip, bool KeepNewline), List<Stmt>> _parsed = new();

    private ChatTemplate(string source, string? name)
    {
        Source = source;
        Name = name;
    }

    /// <summary>The template text as given.</summary>
    public string Source { get; }

    /// <summary>The name used in error messages, if given.</summary>
    public string? Name { get; }

    /// <summary>Parses <paramref name="source"/> with the default (transformers) whitespace settings.</summary>
    /// <exception cref="TemplateException">The template has a syntax error; the message gives line and column.</exception>
    public static ChatTemplate Parse(string source, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        var template = new ChatTemplate(source, name);
        template.Body(ChatTemplateOptions.Default);
        return template;
    }

    /// <summary>
    /// Renders the template. <paramref name="variables"/> may hold strings, bools, integers, floats, dictionaries
    /// (key order is kept), sequences, and System.Text.Json <c>JsonNode</c>/<c>JsonElement</c> values; see
    /// <see cref="ChatTemplateContext.Create"/> for the standard context.
    /// </summary>
    /// <exception cref="TemplateRaiseException">The template called raise_exception(msg).</exception>
    /// <exception cref="TemplateException">Rendering failed (syntax error under non-default options, type error, limit exceeded).</exception>
    /// <exception cref="ArgumentException">A variable has a .NET type templates cannot use.</exception>
    public string Render(IReadOnlyDictionary<string, object?> variables, ChatTemplateOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(variables);
        options ??= ChatTemplateOptions.Default;
        var body = Body(options);
        return new Interpreter(Name, options, variables).Render(body);
    }

    private List<Stmt> Body(ChatTemplateOptions options) =>
        _parsed.GetOrAdd((options.TrimBlocks, options.LstripBlocks, options.KeepTrailingNewline),
            key => TemplateParser.Parse(Source, Name, key.Trim, key.Lstrip, key.KeepNewline));
}
