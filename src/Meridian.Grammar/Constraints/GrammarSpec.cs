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
}

/// <summary>A constraint: its kind and, for <see cref="GrammarKind.Regex"/>, the pattern.</summary>
public sealed record GrammarSpec(GrammarKind Kind, string? Pattern = null)
{
    public static GrammarSpec JsonObject { get; } = new(GrammarKind.JsonObject);

    public static GrammarSpec JsonValue { get; } = new(GrammarKind.JsonValue);
}
