// Thrown when a template calls raise_exception(msg), the global transformers provides to templates;
// Message is exactly msg, so servers can return it to the client as the template author wrote it.
namespace Meridian.Tokenizers.Templates;

/// <summary>The template called <c>raise_exception(msg)</c>. <see cref="Exception.Message"/> is exactly msg.</summary>
public sealed class TemplateRaiseException : TemplateException
{
    /// <summary>Creates the error for <paramref name="message"/> raised at <paramref name="line"/>.</summary>
    public TemplateRaiseException(string message, string? templateName, int line)
        : base(message, message, templateName, line)
    {
    }
}
