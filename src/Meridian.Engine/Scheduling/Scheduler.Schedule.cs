// Scheduler, planning one step: running decodes first, then running prefill chunks, then new admissions,
// all within the token budget; preemption by recompute when blocks run out (vLLM v1 schedule()).
using Meridian.Engine.Serving;

namespace Meridian.Engine.Scheduling;

public sealed partial class Scheduler
{
    private readonly List<int> _hits = [];
    private SchedulerOutput? _pending;   // the latest plan, until its Update
    private long _step;                  // stamps SequenceRequest.ScheduledStep: "already has a chunk this step"

    /// <summary>
    /// Plans the next step. Order: (1) every running request that is decoding gets its one token, in arrival
    /// order; (2) running requests still prefilling (or recomputing) get their next chunk of at most
    /// MaxPrefillChunk tokens; (3) waiting requests are admitted front first while a running slot, budget and
    /// blocks last, after a prefix-cache lookup (none are admitted in a step that preempted). All chunks share
    /// MaxBatchTokens. When a running request needs blocks that are not there, the latest-arrived running
    /// request not yet planned this step is preempted (possibly itself) until they are. Calling Schedule again
    /// before Update drops the previous plan (its chunks are planned again).
    /// </summary>
    public SchedulerOutput Schedule()
    {
        _step++;
        int budget = _options.MaxBatchTokens;
        var chunks = new List<ScheduledChunk>();
        var copies = new List<BlockCopy>();
        var preempted = new List<SequenceRequest>();

        ScheduleRunning(decodes: true, ref budget, chunks, copies, preempted);
        ScheduleRunning(decodes: false, ref budget, chunks, copies, preempted);
        if (preempted.Count == 0)
            AdmitWaiting(ref budget, chunks);

        _pending = new SchedulerOutput(chunks, copies, preempted);
        return _pending;
    }

    private void ScheduleRunning(bool decodes, ref int budget, List<ScheduledChunk> chunks, List<BlockCopy> copies,
        List<SequenceRequest> preempted)
    {
        int i = 0;
        while (i < _running.Count && budget > 0)
        {
            var request = _running[i];
            int need = request.Tokens.Count - request.NumComputedTokens;
            if ((need == 1) != decodes || request.ScheduledStep == _step)
            {
                i++;
                continue;
            }
            int count = Math.Min(need, Math.Min(_options.MaxPrefillChunk, budget));
            if (!TryAllocateOrPreempt(request, count, copies, preempted))
                continue;   // the request itself was preempted: _running[i] is now the one after it
            AddChunk(request, count, chunks);
            budget -= count;
            i++;
        }
    }

    /// <summary>Grows the request's blocks for <paramref name="count"/> tokens, preempting the latest-arrived
    /// unplanned running request while they do not fit. False when the request itself had to go.</summary>
    private bool TryAllocateOrPreempt(SequenceRequest request, int count, List<BlockCopy> copies, List<SequenceRequest> preempted)
    {
        while (!_kv.TryAllocate(request, count, copies))
        {
            // The request is running and unplanned, so a victim always exists.
            int v = _running.Count - 1;
            while (_running[v].ScheduledStep == _step)
                v--;
            var victim = _running[v];
            _running.RemoveAt(v);
            Preempt(victim);
            preempted.Add(victim);
            if (ReferenceEquals(victim, request))
                return false;
        }
        return true;
    }

    /// <summary>Preemption by recompute: frees every block; the request goes to the front of the waiting queue
    /// and recomputes its tokens (prompt and output so far) when readmitted.</summary>
    private void Preempt(SequenceRequest request)
    {
        _kv.Free(request);
        request.NumComputedTokens = 0;
        request.Status = RequestStatus.Preempted;
        request.Preemptions++;
        request.ScheduledStep = _step;
        _preemptions++;
        _waiting.Insert(0, request);
    }

    private void AdmitWaiting(ref int budget, List<ScheduledChunk> chunks)
    {
        int blockSize = _options.BlockSize;
        while (_waiting.Count > 0 && _running.Count < _options.MaxRunning && budget > 0)
        {
            var request = _waiting[0];
            _kv.FindCachedPrefix(request, _hits);
            int start = _hits.Count * blockSize;
            int count = Math.Min(request.Tokens.Count - start, Math.Min(_options.MaxPrefillChunk, budget));
            if (!_kv.TryAdmit(request, _hits, count))
                break;   // FCFS: no request overtakes the front one; no preemption for admission
            if (!request.PrefixQueried)
            {
                request.PrefixQueried = true;
                request.NumCachedPromptTokens = start;   // < PromptLength: hits are capped below Tokens.Count
                _prefixQueriedTokens += request.PromptLength;
                _prefixHitTokens += start;
            }
            request.NumComputedTokens = start;
            request.Status = RequestStatus.Running;
            _waiting.RemoveAt(0);
            InsertRunning(request);
            AddChunk(request, count, chunks);
            budget -= count;
        }
    }

    private void AddChunk(SequenceRequest request, int count, List<ScheduledChunk> chunks)
    {
        int start = request.NumComputedTokens;
        chunks.Add(new ScheduledChunk(request, start, count, Sample: start + count == request.Tokens.Count));
        request.ScheduledStep = _step;
    }
}
