// The one error type a chat template raises: syntax errors (with line and column) and render-time
// errors (with the line of the failing expression or tag). Message names the template and the line.
namespace Meridian.Tokenizers.Templates;

/// <summary>A chat template failed to parse or to render. <see cref="Line"/> is 1-based in the template source.</summary>
public class TemplateException : Exception
{
    /// <summary>Creates an error located at <paramref name="line"/> (and <paramref name="column"/> for syntax errors).</summary>
    public TemplateException(string reason, string? templateName, int line, int? column = null, Exception? inner = null)
        : base(Format(reason, templateName, line, column), inner)
    {
        Reason = reason;
        TemplateName = templateName;
        Line = line;
        Column = column;
    }

    /// <summary>For subclasses whose message must be exactly <paramref name="message"/>.</summary>
    protected TemplateException(string message, string reason, string? templateName, int line)
        : base(message)
    {
        Reason = reason;
        TemplateName = templateName;
        Line = line;
    }

    /// <summary>What went wrong, without the location.</summary>
    public string Reason { get; }

    /// <summary>The name given to <see cref="ChatTemplate.Parse"/>, if any.</summary>
    public string? TemplateName { get; }

    /// <summary>1-based template line of the error.</summary>
    public int Line { get; }

    /// <summary>1-based column for syntax errors; null for render-time errors.</summary>
    public int? Column { get; }

    private static string Format(string reason, string? name, int line, int? column)
    {
        string where = column is int c ? $"line {line}, column {c}" : $"line {line}";
        return name is null ? $"chat template {where}: {reason}" : $"chat template '{name}' {where}: {reason}";
    }
}
