// Knobs for rendering a chat template. Defaults are the Jinja2 environment transformers builds for
// apply_chat_template (trim_blocks, lstrip_blocks, no trailing newline) plus limits for hostile input.
namespace Meridian.Tokenizers.Templates;

/// <summary>Options for <see cref="ChatTemplate.Render"/>.</summary>
public sealed record ChatTemplateOptions
{
    /// <summary>The defaults: transformers' Jinja settings and the default limits.</summary>
    public static ChatTemplateOptions Default { get; } = new();

    /// <summary>The clock <c>strftime_now(fmt)</c> formats (its own local time); null means the machine's current local time.</summary>
    public DateTimeOffset? Now { get; init; }

    /// <summary>Jinja's trim_blocks: drop the first newline after a block tag. transformers sets it.</summary>
    public bool TrimBlocks { get; init; } = true;

    /// <summary>Jinja's lstrip_blocks: drop spaces and tabs before a block tag at the start of a line. transformers sets it.</summary>
    public bool LstripBlocks { get; init; } = true;

    /// <summary>Jinja's keep_trailing_newline; false (the Jinja default) drops one trailing newline of the template.</summary>
    public bool KeepTrailingNewline { get; init; }

    /// <summary>Deepest nesting of macro calls before rendering fails (stops runaway recursion).</summary>
    public int MaxRecursionDepth { get; init; } = 100;

    /// <summary>Work budget: loop iterations plus items visited by filters. Rendering fails past it instead of hanging.</summary>
    public long MaxSteps { get; init; } = 10_000_000;

    /// <summary>Longest output (in UTF-16 chars) a render may produce.</summary>
    public int MaxOutputLength { get; init; } = 16 * 1024 * 1024;
}
