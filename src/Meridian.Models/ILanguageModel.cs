// What the engine sees of a loaded model: sizes, a way to make per-sequence state, and a forward pass.
namespace Meridian.Models;

/// <summary>A causal language model on one device.</summary>
public interface ILanguageModel : IDisposable
{
    /// <summary>Vocabulary size: the width of one logits row.</summary>
    int VocabSize { get; }

    /// <summary>The trained context length the file states.</summary>
    int ContextLength { get; }

    /// <summary>
    /// KV cache and workspace for one sequence of up to <paramref name="capacity"/> positions, run in
    /// chunks of at most <paramref name="maxBatch"/> tokens. Owned (and disposed) by the caller.
    /// </summary>
    ModelState CreateState(int capacity, int maxBatch = 64);

    /// <summary>
    /// Feeds <paramref name="tokens"/> at positions startPos.. (positions before startPos must already
    /// be in <paramref name="state"/>). Writes the last token's logits [V] to <paramref name="logits"/>,
    /// or every token's [T, V] when logits.Length = T·V.
    /// </summary>
    void Forward(ModelState state, ReadOnlySpan<int> tokens, int startPos, Span<float> logits);
}
