// How a model writes a function call, read from its chat template (as llama.cpp's chat handlers and Ollama's
// template parser decide): Hermes-style `<tool_call>{"name", "arguments"}</tool_call>` (Hermes 2/3, Qwen2.5, Qwen3),
// Llama 3.1/3.2's bare `{"name", "parameters"}` object, Mistral's `[TOOL_CALLS][{"name", "arguments", "id"}]`, and a
// generic JSON reply for templates that know no tools.
namespace Meridian.Engine.Tools;

/// <summary>A tool-call text format.</summary>
public enum ToolCallFormat
{
    /// <summary>No tool support in the template: the reply is one JSON object, {"tool_calls": [...]} or {"response": "..."}.</summary>
    Generic,

    /// <summary>`&lt;tool_call&gt;\n{"name": ..., "arguments": {...}}\n&lt;/tool_call&gt;`, one block per call.</summary>
    Hermes,

    /// <summary>One bare `{"name": ..., "parameters": {...}}` object (optionally after `&lt;|python_tag|&gt;`).</summary>
    Llama3Json,

    /// <summary>`[TOOL_CALLS][{"name": ..., "arguments": {...}, "id": ...}, ...]`.</summary>
    Mistral,
}

/// <summary>Detects a template's tool-call format.</summary>
public static class ToolCallFormats
{
    /// <summary>The format a chat template's source text uses (Generic when it mentions none).</summary>
    public static ToolCallFormat Detect(string? templateSource)
    {
        string t = templateSource ?? "";
        if (t.Contains("<tool_call>", StringComparison.Ordinal))
            return ToolCallFormat.Hermes;
        if (t.Contains("[TOOL_CALLS]", StringComparison.Ordinal))
            return ToolCallFormat.Mistral;
        if (t.Contains("<|python_tag|>", StringComparison.Ordinal) || (t.Contains("ipython", StringComparison.Ordinal) && t.Contains("\"parameters\"", StringComparison.Ordinal)))
            return ToolCallFormat.Llama3Json;
        return ToolCallFormat.Generic;
    }

    /// <summary>The text that opens a call in this format (what the output is watched for), or null for Generic.</summary>
    public static string? Trigger(this ToolCallFormat format) => format switch
    {
        ToolCallFormat.Hermes => "<tool_call>",
        ToolCallFormat.Mistral => "[TOOL_CALLS]",
        ToolCallFormat.Llama3Json => "{\"name\"",
        _ => null,
    };
}
