// What the engine sees of a loaded model: sizes, its KV cache, and the one forward pass (a step over a batch
// of sequence chunks; a single sequence is a batch of one, see SequenceState).
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Models;

/// <summary>A causal language model on one device.</summary>
public interface ILanguageModel : IDisposable
{
    /// <summary>Vocabulary size: the width of one logits row.</summary>
    int VocabSize { get; }

    /// <summary>The trained context length the file states.</summary>
    int ContextLength { get; }

    /// <summary>The device the model runs on.</summary>
    IDevice Device { get; }

    /// <summary>The dtype of its KV cache (F32 or F16), chosen at load.</summary>
    DType KvType { get; }

    /// <summary>Bytes of KV cache one position takes on the device, all layers, keys and values, in <see cref="KvType"/>.</summary>
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
    /// results are the same whatever else is in the step.
    /// </summary>
    void ForwardBatch(BatchState state, BatchInput input, Span<float> logits);
}
