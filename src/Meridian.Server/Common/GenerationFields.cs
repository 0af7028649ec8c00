// Request fields chat and legacy completions share (OpenAI names in snake_case via the JSON contexts).
using System.Text.Json;

namespace Meridian.Server.Common;

/// <summary>Sampling, stopping and streaming fields common to /v1/chat/completions and /v1/completions.</summary>
internal abstract record GenerationFields
{
    public string? Model { get; init; }

    public bool? Stream { get; init; }

    public StreamOptions? StreamOptions { get; init; }

    public int? MaxTokens { get; init; }

    public double? Temperature { get; init; }

    public double? TopP { get; init; }

    /// <summary>A string or an array of up to 4 strings.</summary>
    public JsonElement? Stop { get; init; }

    public long? Seed { get; init; }

    public double? PresencePenalty { get; init; }

    public double? FrequencyPenalty { get; init; }

    /// <summary>Token id (as a string) -> bias in [-100, 100].</summary>
    public Dictionary<string, double>? LogitBias { get; init; }

    public int? N { get; init; }

    /// <summary>Accepted and ignored (OpenAI's end-user id).</summary>
    public string? User { get; init; }

    // Extensions vLLM and llama-server accept beyond OpenAI's fields.

    /// <summary>Keep the K most likely tokens; 0 or -1 = off.</summary>
    public int? TopK { get; init; }

    /// <summary>Drop tokens below min_p × the top token's probability; 0 = off.</summary>
    public double? MinP { get; init; }

    /// <summary>CTRL / llama.cpp repetition penalty over the generated tokens; 1 = off.</summary>
    public double? RepetitionPenalty { get; init; }

    /// <summary>Generate past the end-of-sequence token (benchmarks).</summary>
    public bool? IgnoreEos { get; init; }

    // Structured output, read by StructuredOutput: what is served becomes the request's grammar, the rest is refused
    // (ignored, it would turn a constrained request into unconstrained text without a word).

    /// <summary>OpenAI's {"type": "text" | "json_object" | "json_schema", ...}; all three are served.</summary>
    public JsonElement? ResponseFormat { get; init; }

    /// <summary>llama-server's JSON schema constraint.</summary>
    public JsonElement? JsonSchema { get; init; }

    /// <summary>llama-server's GBNF grammar.</summary>
    public JsonElement? Grammar { get; init; }

    /// <summary>vLLM's guided decoding fields and their newer form, structured_outputs.</summary>
    public JsonElement? GuidedJson { get; init; }

    public JsonElement? GuidedRegex { get; init; }

    public JsonElement? GuidedChoice { get; init; }

    public JsonElement? GuidedGrammar { get; init; }

    public JsonElement? StructuredOutputs { get; init; }
}

/// <summary>OpenAI stream_options.</summary>
internal sealed record StreamOptions(bool? IncludeUsage);
