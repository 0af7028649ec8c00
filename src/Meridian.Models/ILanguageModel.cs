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

    /// <summary>Bytes of KV cache one position takes on the device, all layers, keys and values.</summary>
    long KvBytesPerToken { get; }

    /// <summary>
    /// A paged KV cache of <paramref name="numBlocks"/> blocks of <paramref name="blockSize"/> positions and
    /// workspace for steps of up to <paramref name="maxTokens"/> tokens. Owned (and disposed) by the caller.
    /// </summary>
    BatchState CreateBatchState(int numBlocks, int blockSize, int maxTokens);

    /// <summary>
    /// One engine step: feeds every sequence chunk of <paramref name="input"/> (keys and values of earlier
    /// positions must already be in <paramref name="state"/>'s blocks), writes the new keys and values to
    /// their slots, and writes logits [input.LogitCount, V] for input.LogitRows, in order. Each sequence's
    /// results equal <see cref="Forward"/> on that sequence alone.
    /// </summary>
    void ForwardBatch(BatchState state, BatchInput input, Span<float> logits);
}
