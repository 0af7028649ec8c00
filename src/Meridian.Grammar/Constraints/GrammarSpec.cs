// What a request constrains its output to, as the API asked for it; compiled per request by GrammarConstraint.
namespace Meridian.Grammar.Constraints;

/// <summary>The kinds of constraint Meridian enforces.</summary>
public enum GrammarKind
{
    /// <summary>One JSON object (OpenAI's response_format {"type": "json_object"}).</summary>
    JsonObject,

    /// <summary>Any one JSON value.</summary>
    JsonValue,

    /// <summary>The whole output matches an ECMA-262 regular expression (vLLM's `regex`).</summary>
    Regex,

    /// <summary>One JSON value that validates against a JSON Schema (OpenAI's response_format json_schema).</summary>
    JsonSchema,

    /// <summary>A sentence of a GBNF grammar (llama.cpp's format; llama-server's `grammar`).</summary>
    Gbnf,
}

/// <summary>A constraint: its kind and its source (the pattern of a <see cref="GrammarKind.Regex"/>, the JSON text of a <see cref="GrammarKind.JsonSchema"/>, the text of a <see cref="GrammarKind.Gbnf"/> grammar).</summary>
public sealed record GrammarSpec(GrammarKind Kind, string? Source = null)
{
    /// <summary>For <see cref="GrammarKind.JsonSchema"/>: text before the JSON value (a tool-call tag), or null.</summary>
    public string? Prefix { get; init; }

    /// <summary>For <see cref="GrammarKind.JsonSchema"/>: text after the JSON value, or null.</summary>
    public string? Suffix { get; init; }

    /// <summary>For <see cref="GrammarKind.JsonSchema"/>: one or more prefix-value-suffix groups, newline-separated (parallel tool calls).</summary>
    public bool Repeated { get; init; }

    /// <summary>For <see cref="GrammarKind.JsonSchema"/>: at most one space between JSON tokens (no newlines or indentation).</summary>
    public bool SingleSpaces { get; init; }

    /// <summary>
    /// A lazy grammar (tool_choice auto): the output is free until this text appears in it, and from there on, the
    /// text included, it follows the grammar (whose <see cref="Prefix"/> or value starts with it); null: constrained
    /// from the first token.
    /// </summary>
    public string? Trigger { get; init; }

    public static GrammarSpec JsonObject { get; } = new(GrammarKind.JsonObject);

    public static GrammarSpec JsonValue { get; } = new(GrammarKind.JsonValue);
}
