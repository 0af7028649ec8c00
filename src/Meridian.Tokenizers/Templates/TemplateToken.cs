// Tokens of a chat template: text between tags, tag delimiters, and the names, literals and
// operators inside tags. Pos indexes the newline-normalised source; Line is 1-based.
namespace Meridian.Tokenizers.Templates;

internal enum TokenKind
{
    Data,
    VariableBegin,
    VariableEnd,
    BlockBegin,
    BlockEnd,
    Name,
    String,
    Integer,
    Float,
    Operator,
    Eof,
}

/// <summary>Text is the data, name, decoded string or operator; Value holds a number literal (long or double).</summary>
internal readonly record struct Token(TokenKind Kind, string Text, object? Value, int Pos, int Line)
{
    public bool IsName(string name) => Kind == TokenKind.Name && Text == name;

    public bool IsOperator(string op) => Kind == TokenKind.Operator && Text == op;

    public string Describe() => Kind switch
    {
        TokenKind.Eof => "end of template",
        TokenKind.BlockEnd => "end of statement block",
        TokenKind.VariableEnd => "end of print statement",
        TokenKind.BlockBegin => "begin of statement block",
        TokenKind.VariableBegin => "begin of print statement",
        TokenKind.Data => "template data",
        TokenKind.String => "string literal",
        _ => Text,
    };
}
