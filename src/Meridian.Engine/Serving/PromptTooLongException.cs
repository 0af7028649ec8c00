// A prompt that cannot fit the context: the server answers 400 with both numbers.
using Meridian.Core;

namespace Meridian.Engine.Serving;

/// <summary>Thrown by <see cref="ILlmEngine.Submit"/> when the prompt (plus at least one generated token) exceeds the context.</summary>
public sealed class PromptTooLongException(int promptTokens, int maxContext)
    : MeridianException($"this model's maximum context length is {maxContext} tokens, but the prompt has {promptTokens} tokens " +
        $"(at least one more is needed to generate)")
{
    public int PromptTokens { get; } = promptTokens;

    public int MaxContext { get; } = maxContext;
}
