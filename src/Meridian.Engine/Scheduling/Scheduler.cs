// The continuous-batching scheduler (vLLM v1 core/sched/scheduler.py, FCFS policy): a waiting queue,
// a running set, and per step a plan of token chunks within a token budget over a paged KV cache with
// prefix caching. Pure bookkeeping: token counts and block ids. This file: state, admission of new
// requests, Finish, stats; Scheduler.Schedule.cs plans a step, Scheduler.Update.cs applies its results.
using Meridian.Engine.Serving;

namespace Meridian.Engine.Scheduling;

/// <summary>
/// Call <see cref="Schedule"/>, run the plan, then <see cref="Update"/> with the sampled tokens, from one
/// thread (not thread-safe). Call <see cref="TryAdd"/>, <see cref="Finish"/> and <see cref="Fork"/> between an
/// Update and the next Schedule (the engine thread applies queued adds and cancels there). A Finish between a
/// Schedule and its Update is tolerated: Update skips that request's chunk.
/// </summary>
public sealed partial class Scheduler
{
    private readonly SchedulerOptions _options;
    private readonly KvCacheManager _kv;
    private readonly List<SequenceRequest> _waiting = [];   // front = next to admit; preempted requests go to the front
    private readonly List<SequenceRequest> _running = [];   // ordered by ArrivalSequence (lowest = highest priority)
    private readonly Dictionary<string, SequenceRequest> _active = [];  // waiting, preempted and running, by id
    private long _nextArrival;
    private long _prefixQueriedTokens, _prefixHitTokens, _preemptions;

    /// <summary>A scheduler over an empty KV cache of <see cref="SchedulerOptions.NumBlocks"/> blocks.</summary>
    public Scheduler(SchedulerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _kv = new KvCacheManager(options.NumBlocks, options.BlockSize, options.EnablePrefixCaching);
    }

    public SchedulerOptions Options => _options;

    /// <summary>Requests waiting for admission, preempted ones included.</summary>
    public int WaitingCount => _waiting.Count;

    public int RunningCount => _running.Count;

    /// <summary>Current block and prefix-cache figures.</summary>
    public KvBlockStats BlockStats => new(_kv.Pool.NumBlocks, _kv.Pool.UsedCount, _kv.Pool.FreeCount, _kv.Pool.CachedCount,
        _prefixQueriedTokens, _prefixHitTokens, _preemptions);

    /// <summary>The waiting queue, front first (tests, diagnostics).</summary>
    public IReadOnlyList<SequenceRequest> Waiting => _waiting;

    /// <summary>The running set in priority order (tests, diagnostics).</summary>
    public IReadOnlyList<SequenceRequest> Running => _running;

    internal KvCacheManager KvCache => _kv;

    /// <summary>
    /// Queues a new request at the back of the waiting queue. False when <see cref="SchedulerOptions.MaxQueue"/>
    /// requests are already waiting. Throws <see cref="ArgumentException"/> for an empty prompt, a request that
    /// was added before or an id already in use, and <see cref="PromptTooLongException"/> when the prompt leaves
    /// no room to generate one token within <see cref="SchedulerOptions.MaxModelLength"/>.
    /// </summary>
    public bool TryAdd(SequenceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.PromptLength == 0)
            throw new ArgumentException($"request {request.Id} has an empty prompt", nameof(request));
        if (request.PromptLength >= _options.MaxModelLength)
            throw new PromptTooLongException(request.PromptLength, _options.MaxModelLength);
        if (request.ArrivalSequence >= 0 || request.Status != RequestStatus.Waiting)
            throw new ArgumentException($"request {request.Id} was already added to a scheduler", nameof(request));
        if (_active.ContainsKey(request.Id))
            throw new ArgumentException($"request id {request.Id} is already in use", nameof(request));
        if (_waiting.Count >= _options.MaxQueue)
            return false;
        request.ArrivalSequence = _nextArrival++;
        _waiting.Add(request);
        _active.Add(request.Id, request);
        return true;
    }

    /// <summary>
    /// Ends a waiting, preempted or running request now (abort, stop string): it leaves its queue and its
    /// blocks are freed; the next <see cref="Schedule"/> never mentions it. An unknown or finished id is a no-op.
    /// </summary>
    public void Finish(string id, FinishReason reason)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (!_active.TryGetValue(id, out var request))
            return;
        if (request.Status == RequestStatus.Running)
            _running.Remove(request);
        else
            _waiting.Remove(request);
        Retire(request, reason);
    }

    /// <summary>
    /// Parallel sampling: a new running request <paramref name="childId"/> with the parent's tokens so far that
    /// shares the parent's KV blocks (copy-on-write splits the last, partial one when either writes to it). The
    /// parent must be running and decoding (all tokens but the last computed), and a running slot must be free.
    /// </summary>
    public SequenceRequest Fork(string parentId, string childId, object? childTag = null)
    {
        if (!_active.TryGetValue(parentId, out var parent) || parent.Status != RequestStatus.Running)
            throw new InvalidOperationException($"request {parentId} is not running, so it cannot be forked");
        if (parent.NumComputedTokens != parent.Tokens.Count - 1)
            throw new InvalidOperationException($"request {parentId} is still prefilling ({parent.NumComputedTokens} of {parent.Tokens.Count} tokens computed); fork it once it decodes");
        if (_active.ContainsKey(childId))
            throw new ArgumentException($"request id {childId} is already in use", nameof(childId));
        if (_running.Count >= _options.MaxRunning)
            throw new InvalidOperationException($"{_options.MaxRunning} requests are already running (MaxRunning)");
        var child = new SequenceRequest(childId, parent.Tokens.Take(parent.PromptLength).ToArray(), parent.MaxTokens,
            parent.StopTokenIds, childTag);
        for (int i = parent.PromptLength; i < parent.Tokens.Count; i++)
            child.AppendToken(parent.Tokens[i]);
        child.ArrivalSequence = _nextArrival++;
        child.Status = RequestStatus.Running;
        child.NumComputedTokens = parent.NumComputedTokens;
        child.NumCachedPromptTokens = parent.NumCachedPromptTokens;
        child.PrefixQueried = true;
        _kv.Share(parent, child);
        _running.Add(child);   // the newest arrival: last in priority order
        _active.Add(childId, child);
        return child;
    }

    /// <summary>Marks a request finished and frees its blocks; the caller has taken it out of its queue.</summary>
    private void Retire(SequenceRequest request, FinishReason reason)
    {
        _kv.Free(request);
        request.Status = RequestStatus.Finished;
        request.FinishReason = reason;
        _active.Remove(request.Id);
    }

    /// <summary>Inserts into the running set keeping arrival order (a readmitted preempted request regains its place).</summary>
    private void InsertRunning(SequenceRequest request)
    {
        int i = _running.Count;
        while (i > 0 && _running[i - 1].ArrivalSequence > request.ArrivalSequence)
            i--;
        _running.Insert(i, request);
    }
}
