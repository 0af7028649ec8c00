// One sequence run through the engine's forward pass: a batch of one over a paged cache whose block table
// is 0, 1, 2, ... (there is no second forward path). For tests, the conformance kit and tools that feed one
// sequence by hand; the engine (LlmEngine) is what run, chat, serve and bench use.
namespace Meridian.Models;

/// <summary>A KV cache of <see cref="Capacity"/> positions for one sequence, fed in chunks of at most <see cref="MaxBatch"/> tokens.</summary>
public sealed class SequenceState : IDisposable
{
    private const int BlockSize = 16;
    private readonly ILanguageModel _model;
    private readonly BatchState _state;
    private readonly BatchInput _input;
    private readonly int[] _table;

    /// <summary>Cache and workspace for <paramref name="capacity"/> positions on <paramref name="model"/>'s device.</summary>
    public SequenceState(ILanguageModel model, int capacity, int maxBatch = 64)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _model = model;
        Capacity = capacity;
        MaxBatch = Math.Min(maxBatch, capacity);
        int blocks = (capacity + BlockSize - 1) / BlockSize;
        _table = Enumerable.Range(0, blocks).ToArray();
        _state = model.CreateBatchState(blocks, BlockSize, MaxBatch);
        _input = new BatchInput(MaxBatch, 1, blocks, BlockSize);
    }

    /// <summary>Positions the cache holds.</summary>
    public int Capacity { get; }

    /// <summary>Most tokens one forward step takes.</summary>
    public int MaxBatch { get; }

    /// <summary>
    /// Feeds <paramref name="tokens"/> at positions startPos.. (positions before startPos must already be in the
    /// cache). Writes the last token's logits [V] to <paramref name="logits"/>, or every token's [T, V] when
    /// logits.Length = T·V (T > 1).
    /// </summary>
    public void Forward(ReadOnlySpan<int> tokens, int startPos, Span<float> logits)
    {
        int v = _model.VocabSize;
        bool allRows = tokens.Length > 1 && logits.Length == (long)tokens.Length * v;
        if (!allRows && logits.Length != v)
            throw new ArgumentException($"logits must hold {v} (last token) or {tokens.Length}×{v} values, not {logits.Length}", nameof(logits));
        if (tokens.IsEmpty)
            throw new ArgumentException("no tokens to feed", nameof(tokens));
        if (startPos < 0 || startPos + tokens.Length > Capacity)
            throw new ArgumentException($"positions {startPos}..{startPos + tokens.Length - 1} do not fit the KV cache of {Capacity} positions", nameof(startPos));
        for (int done = 0; done < tokens.Length; done += MaxBatch)
        {
            int n = Math.Min(MaxBatch, tokens.Length - done);
            bool last = done + n == tokens.Length;
            var selection = allRows ? LogitSelection.All : last ? LogitSelection.Last : LogitSelection.None;
            _input.Clear();
            _input.AddSequence(tokens.Slice(done, n), startPos + done, _table, selection);
            var rows = allRows ? logits.Slice(done * v, n * v) : last ? logits : default;
            _model.ForwardBatch(_state, _input, rows);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _state.Dispose();
}
