// Jinja2's namespace(): the one object a template may assign attributes on ({% set ns.x = ... %}),
// which is how templates carry state out of a for loop's scope.
namespace Meridian.Tokenizers.Templates;

internal sealed class JinjaNamespace
{
    public JinjaDict Attributes { get; } = new();
}
