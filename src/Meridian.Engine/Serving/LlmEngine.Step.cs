// LlmEngine, part 2: the engine thread. Each step: take new requests and cancellations, schedule,
// run the batch through the model, sample one token per finished-prompt sequence, update the
// scheduler, and stream text (cut at stop strings) to each request's channel.
using System.Runtime.InteropServices;
using Meridian.Engine.Scheduling;
using Meridian.Models;

namespace Meridian.Engine.Serving;

public sealed partial class LlmEngine
{
    private readonly List<int> _sampled = [];
    private readonly List<(RequestState State, int LogitsOffset)> _sampleJobs = [];

    // Fewer sampled sequences than this per worker are sampled on the engine thread alone.
    private const int MinSamplesPerWorker = 4;

    private void Run()
    {
        try
        {
            while (!_stopping)
            {
                DrainInbox();
                if (_stopping)
                    break;
                if (_scheduler.WaitingCount == 0 && _scheduler.RunningCount == 0)
                {
                    _wake.Wait();
                    continue;
                }
                if (!Step())
                    _wake.Wait(10); // nothing could be scheduled (no free blocks): wait for a cancellation
            }
            DrainInbox();
            foreach (var state in _requests.Values.ToArray())
                Cancel(state);
        }
        catch (Exception e)
        {
            _fault = e;
            foreach (var state in _requests.Values)
                state.Outputs.Writer.TryComplete(e);
            _requests.Clear();
            while (_inbox.TryDequeue(out var command))
                command.State?.Outputs.Writer.TryComplete(e);
        }
    }

    private void DrainInbox()
    {
        if (_inbox.IsEmpty)
            return;
        while (_inbox.TryDequeue(out var command))
        {
            if (command.State is { } state)
            {
                int maxTokens = Math.Min(state.Request.Sampling.MaxTokens ?? int.MaxValue, MaxContext - state.Request.PromptTokens.Count);
                var stops = state.Request.Sampling.IgnoreEos ? (IReadOnlySet<int>)new HashSet<int>() : _stopTokens;
                state.Sequence = new SequenceRequest(state.Id, state.Request.PromptTokens, maxTokens, stops, state)
                {
                    ComputeWholePrompt = state.Request.PromptLogprobs,
                };
                if (state.Request.PromptLogprobs)
                    state.PromptLogprobs = [null];
                _requests[state.Id] = state;
                _scheduler.TryAdd(state.Sequence); // MaxQueue is enforced in Submit; the scheduler's own limit is off
            }
            else if (command.CancelId is { } id && _requests.TryGetValue(id, out var cancelled))
            {
                Cancel(cancelled);
            }
        }
        PublishStats();
    }

    // One engine step; false when the scheduler found nothing it could run.
    private bool Step()
    {
        var plan = _scheduler.Schedule();
        if (plan.Chunks.Count == 0)
            return false;
        foreach (var copy in plan.BlockCopies)
            _state.CopyBlock(copy.Source, copy.Destination);

        _input.Clear();
        foreach (var chunk in plan.Chunks)
        {
            var state = (RequestState)chunk.Request.Tag!;
            if (!state.Started)
            {
                state.Started = true;
                Interlocked.Decrement(ref _queued);
            }
            // BatchInput copies both: the request's own token list and block table are read in place.
            _input.AddSequence(chunk.Request.TokenSpan.Slice(chunk.StartPos, chunk.Count), chunk.StartPos,
                CollectionsMarshal.AsSpan(chunk.Request.Blocks), Selection(state, chunk));
        }
        int v = _model.VocabSize;
        var logits = _logits.AsSpan(0, _input.LogitCount * v);
        _model.ForwardBatch(_state, _input, logits);

        // Sample: logits rows come in chunk order, one per row asked for.
        _sampled.Clear();
        int row = 0;
        foreach (var chunk in plan.Chunks)
        {
            var state = (RequestState)chunk.Request.Tag!;
            var selection = Selection(state, chunk);
            if (selection == LogitSelection.All)
            {
                for (int i = 0; i < chunk.Count; i++)
                {
                    // The prompt token this row predicts; a row computed again after a preemption adds nothing.
                    int next = chunk.StartPos + i + 1;
                    if (next < state.Sequence.PromptLength && next == state.PromptLogprobs!.Count)
                        state.PromptLogprobs!.Add(LogprobMath.Of(logits.Slice((row + i) * v, v), chunk.Request.Tokens[next], state.Request.Sampling.TopLogprobs));
                }
                row += chunk.Count;
            }
            else if (selection == LogitSelection.Last)
            {
                row++;
            }
            if (chunk.Sample)
            {
                _sampleJobs.Add((state, (row - 1) * v));
                _sampled.Add(0);
            }
        }
        SampleAll(v);

        _scheduler.Update(plan, CollectionsMarshal.AsSpan(_sampled));
        int s = 0;
        foreach (var chunk in plan.Chunks)
        {
            if (chunk.Sample)
                Emit((RequestState)chunk.Request.Tag!, _sampled[s++]);
        }
        PublishStats();
        return true;
    }

    // One token per sampled sequence, each with its own sampler (its RNG, penalties, logprobs), so the
    // order they run in does not matter. Top-p / top-k sort the vocabulary (about 2 ms at V = 32000), and
    // between forward passes the cores are idle: with several sequences the samplers run in parallel.
    private void SampleAll(int v)
    {
        int n = _sampleJobs.Count;
        int workers = Math.Min(Environment.ProcessorCount, n / MinSamplesPerWorker);
        if (workers <= 1)
            SampleRange(0, n, v);
        else
            Parallel.For(0, workers, w => SampleRange(w * n / workers, (w + 1) * n / workers, v));
        _sampleJobs.Clear();
    }

    private void SampleRange(int from, int to, int v)
    {
        for (int i = from; i < to; i++)
        {
            var (state, offset) = _sampleJobs[i];
            // Before Update, the sequence's tokens are its prompt and every token generated so far.
            var history = state.Request.PenalizePrompt ? state.Sequence.TokenSpan : CollectionsMarshal.AsSpan(state.Generated);
            var logits = _logits.AsSpan(offset, v);
            state.Constraint?.Mask(logits);
            _sampled[i] = state.Sampler.Sample(logits, history);
            state.Constraint?.Accept(_sampled[i]);
            if (_overlapMasks && !_stopTokens.Contains(_sampled[i]))
                state.Constraint?.PrepareNext(); // the next mask, while the next forward pass runs
        }
    }

    private static LogitSelection Selection(RequestState state, ScheduledChunk chunk) =>
        state.PromptLogprobs is not null && chunk.StartPos < state.Sequence.PromptLength ? LogitSelection.All
        : chunk.Sample ? LogitSelection.Last
        : LogitSelection.None;

    // Streams the token sampled for this request; ends the request on a stop token, a stop string, max tokens or a full context.
    private void Emit(RequestState state, int token)
    {
        var seq = state.Sequence;
        bool stopToken = seq.Status == RequestStatus.Finished && seq.FinishReason == FinishReason.Stop;
        FinishReason? finish = seq.Status == RequestStatus.Finished ? seq.FinishReason : null;
        string text = "";
        List<TokenLogprob>? logprobs = null;
        if (!stopToken)
        {
            state.Generated.Add(token);
            var piece = state.Text.Push(token);
            text = piece.Text;
            if (piece.Stopped)
            {
                if (finish is null)
                    _scheduler.Finish(state.Id, FinishReason.Stop);
                finish = FinishReason.Stop; // a stop string on the last allowed token is still "stop"
            }
            if (state.Request.Sampling.Logprobs || state.Request.Sampling.TopLogprobs > 0)
                logprobs = [LogprobMath.FromSampler(state.Sampler, token)];
        }
        if (finish is not null)
            text += state.Text.Flush();
        Send(state, stopToken ? [] : [token], text, logprobs, finish);
    }

    private void Cancel(RequestState state)
    {
        if (state.Done)
            return;
        if (!state.Started)
        {
            state.Started = true;
            Interlocked.Decrement(ref _queued);
        }
        _scheduler.Finish(state.Id, FinishReason.Cancelled);
        Send(state, [], "", null, FinishReason.Cancelled);
    }

    private void Send(RequestState state, int[] tokens, string text, List<TokenLogprob>? logprobs, FinishReason? finish)
    {
        var seq = state.Sequence;
        var output = new RequestOutput
        {
            TokenIds = tokens,
            Text = text,
            Logprobs = logprobs,
            PromptLogprobs = state.PromptLogprobs,
            FinishReason = finish,
            Usage = new Usage(seq.PromptLength, state.Generated.Count, seq.NumCachedPromptTokens),
        };
        state.PromptLogprobs = null; // sent once, with the first output
        state.Outputs.Writer.TryWrite(output);
        if (finish is not null)
        {
            state.Done = true;
            state.Outputs.Writer.TryComplete();
            _requests.Remove(state.Id);
        }
    }

    private void PublishStats()
    {
        var blocks = _scheduler.BlockStats;
        var stats = new EngineStats(_scheduler.WaitingCount, _scheduler.RunningCount, blocks.Used, blocks.Free,
            blocks.PrefixQueriedTokens, blocks.PrefixHitTokens, blocks.Preemptions);
        lock (_statsLock)
            _stats = stats;
    }
}
