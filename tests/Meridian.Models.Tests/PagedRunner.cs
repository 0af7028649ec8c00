// Test helper: a minimal engine runner over ILanguageModel.ForwardBatch. It hands out KV blocks from a
// shuffled free list as sequences grow (so tables are scattered and interleaved between sequences),
// builds each step's BatchInput, and returns the logit rows. Bookkeeping only; allocates freely.
namespace Meridian.Models.Tests;

internal sealed class PagedRunner : IDisposable
{
    private readonly ILanguageModel _model;
    private readonly BatchState _state;
    private readonly BatchInput _input;
    private readonly Stack<int> _free;
    private readonly Dictionary<int, List<int>> _tables = [];

    public PagedRunner(ILanguageModel model, int numBlocks, int blockSize, int maxTokens, int seed)
    {
        _model = model;
        _state = model.CreateBatchState(numBlocks, blockSize, maxTokens);
        _input = new BatchInput(maxTokens, maxSequences: 16, maxBlocksPerSequence: numBlocks, blockSize);
        var rng = new Random(seed);
        _free = new Stack<int>(Enumerable.Range(0, numBlocks).OrderBy(_ => rng.Next()));
    }

    /// <summary>One step over the chunks (sequence id, tokens, start position, logits wanted); logit rows in order.</summary>
    public float[][] Step(params (int Seq, int[] Tokens, int StartPos, LogitSelection Logits)[] chunks)
    {
        _input.Clear();
        foreach (var (seq, tokens, start, logits) in chunks)
        {
            if (!_tables.TryGetValue(seq, out var table))
                _tables[seq] = table = [];
            while (table.Count * _state.BlockSize < start + tokens.Length)
                table.Add(_free.Pop());
            _input.AddSequence(tokens, start, table.ToArray(), logits);
        }
        var flat = new float[_input.LogitCount * _model.VocabSize];
        _model.ForwardBatch(_state, _input, flat);
        return Enumerable.Range(0, _input.LogitCount).Select(i => flat.AsSpan(i * _model.VocabSize, _model.VocabSize).ToArray()).ToArray();
    }

    public void Dispose() => _state.Dispose();
}
