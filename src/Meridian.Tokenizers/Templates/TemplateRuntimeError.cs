// Internal render-time error: thrown by value operations that do not know where they are; the
// interpreter stamps the line of the innermost node being evaluated and converts it at Render.
namespace Meridian.Tokenizers.Templates;

internal class TemplateRuntimeError(string message) : Exception(message)
{
    /// <summary>0 until the innermost enclosing node sets it.</summary>
    public int Line { get; set; }
}

/// <summary>raise_exception(msg) on its way out; becomes <see cref="TemplateRaiseException"/>.</summary>
internal sealed class TemplateRaiseSignal(string message) : TemplateRuntimeError(message);
