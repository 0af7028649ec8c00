// The scheduler's bookkeeping of one request (vLLM v1's Request): its tokens, how many have KV in the
// cache, its block table and its state. No tensors; the engine hangs its own per-request state on Tag.
using Meridian.Engine.Serving;

namespace Meridian.Engine.Scheduling;

/// <summary>
/// One generation request as the <see cref="Scheduler"/> sees it. Everything but <see cref="Tag"/> is
/// changed by the scheduler only. Invariant while not finished: NumComputedTokens &lt; Tokens.Count (at
/// least the last token still has to be fed) and BlockIds covers at least NumComputedTokens positions.
/// </summary>
public sealed class SequenceRequest
{
    private readonly List<int> _tokens;
    private readonly HashSet<int> _stopTokenIds;

    /// <summary>A request for up to <paramref name="maxTokens"/> tokens after <paramref name="promptTokens"/>;
    /// generating any of <paramref name="stopTokenIds"/> finishes it with <see cref="Serving.FinishReason.Stop"/>.</summary>
    public SequenceRequest(string id, IReadOnlyList<int> promptTokens, int maxTokens, IReadOnlySet<int> stopTokenIds, object? tag = null)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(promptTokens);
        ArgumentNullException.ThrowIfNull(stopTokenIds);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 1);
        Id = id;
        _tokens = [.. promptTokens];
        _stopTokenIds = [.. stopTokenIds];
        PromptLength = _tokens.Count;
        MaxTokens = maxTokens;
        Tag = tag;
    }

    /// <summary>
    /// Every prompt position is computed, none taken from the prefix cache: the caller reads each prompt row's
    /// logits (prompt logprobs), which cached blocks would skip (vLLM bypasses the cache for them the same way).
    /// </summary>
    public bool ComputeWholePrompt { get; init; }

    /// <summary>The engine's id of the request (unique among unfinished requests of one scheduler).</summary>
    public string Id { get; }

    /// <summary>The engine's own state for this request (output stream, sampler, detokenizer ...).</summary>
    public object? Tag { get; set; }

    public RequestStatus Status { get; internal set; } = RequestStatus.Waiting;

    /// <summary>Why it finished; null until <see cref="Status"/> is Finished.</summary>
    public FinishReason? FinishReason { get; internal set; }

    /// <summary>Prompt tokens then generated tokens. A generated stop token IS appended (as in vLLM): the
    /// engine sees which token stopped the request and leaves it out of the text it streams.</summary>
    public IReadOnlyList<int> Tokens => _tokens;

    public int PromptLength { get; }

    /// <summary>Generated tokens so far (including a final stop token).</summary>
    public int OutputLength => _tokens.Count - PromptLength;

    public int MaxTokens { get; }

    public IReadOnlySet<int> StopTokenIds => _stopTokenIds;

    /// <summary>Leading tokens whose keys and values are in the KV cache (computed, or found in the prefix cache).</summary>
    public int NumComputedTokens { get; internal set; }

    /// <summary>Prompt tokens found in the prefix cache at the first admission (OpenAI usage.cached_tokens). Always
    /// whole blocks, and always less than the prompt length (the last prompt token is always computed).</summary>
    public int NumCachedPromptTokens { get; internal set; }

    /// <summary>The block table: position p's KV lives in block BlockIds[p / BlockSize], row p % BlockSize.</summary>
    public IReadOnlyList<int> BlockIds => Blocks;

    /// <summary>How many times this request was preempted (and recomputed).</summary>
    public int Preemptions { get; internal set; }

    // ---- scheduler internals ----

    internal List<int> Blocks { get; } = [];

    /// <summary>Chained prefix-cache hashes of the full blocks of Tokens, computed lazily; survive preemption
    /// (tokens never change, only grow).</summary>
    internal List<UInt128> BlockHashes { get; } = [];

    /// <summary>Leading blocks of the table that are registered in (or were found in) the prefix cache.</summary>
    internal int NumRegisteredBlocks { get; set; }

    /// <summary>Admission order; lower runs first and is preempted last.</summary>
    internal long ArrivalSequence { get; set; } = -1;

    /// <summary>The scheduler step that last planned a chunk of (or preempted) this request.</summary>
    internal long ScheduledStep { get; set; }

    /// <summary>Whether the prefix cache was already queried for the prompt (stats and NumCachedPromptTokens).</summary>
    internal bool PrefixQueried { get; set; }

    internal ReadOnlySpan<int> TokenSpan => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_tokens);

    internal void AppendToken(int token) => _tokens.Add(token);

    internal bool IsStopToken(int token) => _stopTokenIds.Contains(token);

    public override string ToString() =>
        $"{Id} ({Status}, {NumComputedTokens}/{_tokens.Count} computed, {Blocks.Count} blocks)";
}
