// The engine requests behind one HTTP request (one per choice): submits them, merges their output streams in
// arrival order, feeds the latency and token metrics, and cancels them all when the client goes away, the
// request times out, or the endpoint is done (Dispose).
using System.Diagnostics;
using System.Threading.Channels;
using Meridian.Engine.Serving;
using Meridian.Server.Errors;
using Meridian.Server.Metrics;

namespace Meridian.Server.Common;

/// <summary>One output of choice <paramref name="Index"/>.</summary>
internal readonly record struct ChoiceOutput(int Index, RequestOutput Output);

internal sealed class GenerationRun : IDisposable
{
    private readonly List<RequestHandle> _handles;
    private readonly ServerMetrics _metrics;
    private readonly CancellationTokenSource _cancel;     // client gone or timeout
    private readonly CancellationToken _clientGone;
    private readonly long _started;                        // Stopwatch timestamp of the request's arrival

    private GenerationRun(List<RequestHandle> handles, ServerMetrics metrics, HttpContext context, TimeSpan? timeout, long started)
    {
        _handles = handles;
        _metrics = metrics;
        _clientGone = context.RequestAborted;
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        if (timeout is { } t)
            _cancel.CancelAfter(t);
        _started = started;
    }

    /// <summary>Number of choices.</summary>
    public int Count => _handles.Count;

    /// <summary>True when the request ran past <see cref="ServerOptions.RequestTimeout"/> (not a client disconnect).</summary>
    public bool TimedOut => _cancel.IsCancellationRequested && !_clientGone.IsCancellationRequested;

    /// <summary>
    /// Submits every request, or none: when one is refused the ones already queued are cancelled and the refusal
    /// becomes an API error (429 + Retry-After for a full queue, 400 naming <paramref name="promptParam"/> for a
    /// prompt that does not fit, 400 for options the engine rejects).
    /// </summary>
    public static GenerationRun Start(HttpContext context, ILlmEngine engine, ServerMetrics metrics, ServerOptions options,
        IReadOnlyList<EngineRequest> requests, string promptParam)
    {
        long started = Stopwatch.GetTimestamp();
        var handles = new List<RequestHandle>(requests.Count);
        try
        {
            foreach (var request in requests)
                handles.Add(engine.Submit(request));
        }
        catch (Exception e) when (e is EngineQueueFullException or PromptTooLongException or ArgumentException || engine.Fault is not null)
        {
            foreach (var h in handles)
                h.Dispose();
            throw e switch
            {
                EngineQueueFullException => new ApiException(StatusCodes.Status429TooManyRequests, e.Message, ErrorTypes.RateLimit, null, "rate_limit_exceeded")
                    { RetryAfterSeconds = 1 },
                PromptTooLongException => new ApiException(StatusCodes.Status400BadRequest, e.Message, ErrorTypes.InvalidRequest, promptParam, "context_length_exceeded"),
                ArgumentException => ApiException.Invalid(null, e.Message),
                _ => Finish.Faulted(engine.Fault!),
            };
        }
        return new GenerationRun(handles, metrics, context, options.RequestTimeout, started);
    }

    /// <summary>
    /// Every output of every choice, in the order they arrive. Throws <see cref="OperationCanceledException"/> when
    /// the client went away, and the API's error when the request ran past its limit or the engine failed under it.
    /// </summary>
    public async IAsyncEnumerable<ChoiceOutput> ReadAsync()
    {
        await using var outputs = ReadOutputsAsync().GetAsyncEnumerator();
        while (true)
        {
            try
            {
                if (!await outputs.MoveNextAsync().ConfigureAwait(false))
                    yield break;
            }
            catch (OperationCanceledException) when (TimedOut)
            {
                throw Finish.Timeout();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A step of the engine failed: the outputs end with the backend's error.
                throw Finish.Faulted(e.Message);
            }
            yield return outputs.Current;
        }
    }

    private async IAsyncEnumerable<ChoiceOutput> ReadOutputsAsync()
    {
        var token = _cancel.Token;
        if (_handles.Count == 1)
        {
            var tracker = new Tracker(this);
            await foreach (var output in _handles[0].ReadAllAsync(token).ConfigureAwait(false))
            {
                tracker.Saw(output);
                yield return new ChoiceOutput(0, output);
            }
            yield break;
        }
        var merged = Channel.CreateUnbounded<ChoiceOutput>(new UnboundedChannelOptions { SingleReader = true });
        var readers = new Task[_handles.Count];
        for (int i = 0; i < readers.Length; i++)
            readers[i] = Pump(i, merged.Writer, token);
        _ = Task.WhenAll(readers).ContinueWith(t => merged.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Default);
        await foreach (var item in merged.Reader.ReadAllAsync(token).ConfigureAwait(false))
            yield return item;
    }

    /// <summary>
    /// Reads every choice to its end for a reply that is sent whole: <paramref name="onOutput"/> sees each output
    /// with its choice index; returns each choice's finish reason and final usage. Throws what <see cref="ReadAsync"/>
    /// throws, and the API's cancelled error when the engine cancelled a choice.
    /// </summary>
    public async Task<(FinishReason[] Finish, Usage[] Usage)> ReadToEndAsync(Action<int, RequestOutput> onOutput)
    {
        var finish = new FinishReason?[Count];
        var usage = new Usage[Count];
        await foreach (var (i, output) in ReadAsync())
        {
            onOutput(i, output);
            if (output.FinishReason is { } reason)
            {
                finish[i] = reason;
                usage[i] = output.Usage;
            }
        }
        if (finish.Any(f => f is null or FinishReason.Cancelled))
            throw Finish.Cancelled();
        return (finish.Select(f => f!.Value).ToArray(), usage);
    }

    private async Task Pump(int index, ChannelWriter<ChoiceOutput> writer, CancellationToken token)
    {
        var tracker = new Tracker(this);
        await foreach (var output in _handles[index].ReadAllAsync(token).ConfigureAwait(false))
        {
            tracker.Saw(output);
            await writer.WriteAsync(new ChoiceOutput(index, output), token).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        foreach (var h in _handles)
            h.Dispose();
        // Stop any pump still reading (n > 1) before the source goes away; a cancelled token needs no registration.
        _cancel.Cancel();
        _cancel.Dispose();
    }

    // Per choice: when its first and last tokens came, reported to the metrics with its final usage.
    private sealed class Tracker(GenerationRun run)
    {
        private long _first;
        private long _last;

        public void Saw(RequestOutput output)
        {
            if (output.TokenIds.Count > 0)
            {
                _last = Stopwatch.GetTimestamp();
                if (_first == 0)
                    _first = _last;
            }
            if (output.FinishReason is null)
                return;
            var usage = output.Usage;
            double? ttft = _first == 0 ? null : Stopwatch.GetElapsedTime(run._started, _first).TotalSeconds;
            double? tpot = usage.CompletionTokens > 1 && _first != 0
                ? Stopwatch.GetElapsedTime(_first, _last).TotalSeconds / (usage.CompletionTokens - 1) : null;
            run._metrics.GenerationFinished(usage.PromptTokens, usage.CompletionTokens, ttft, tpot);
        }
    }
}
