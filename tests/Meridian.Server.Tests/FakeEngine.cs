// A scripted ILlmEngine over a real tokenizer: each submitted request runs a script that streams outputs
// (by default the reply text token by token, with made-up logprobs whose values the tests know), and the
// engine records what it was asked and whether a request was cancelled.
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Meridian.Engine.Serving;

namespace Meridian.Server.Tests;

internal sealed class FakeEngine(EngineModelInfo model) : ILlmEngine
{
    /// <summary>Produces one request's outputs; the last must carry a finish reason. The token is cancelled when the caller cancels.</summary>
    public delegate IAsyncEnumerable<RequestOutput> Script(EngineRequest request, CancellationToken cancellation);

    private int _next;

    public EngineModelInfo Model { get; } = model;

    /// <summary>What each Submit runs; default: <see cref="Reply"/> of "Hello world".</summary>
    public Script Run { get; set; } = null!;

    /// <summary>When set, Submit throws it (queue full, prompt too long, ...).</summary>
    public Func<EngineRequest, Exception?>? Refuse { get; set; }

    public EngineStats Stats { get; set; }

    public ConcurrentQueue<EngineRequest> Submitted { get; } = new();

    /// <summary>Completes with the id of the first request that was cancelled.</summary>
    public TaskCompletionSource<string> FirstCancel { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int CancelCount => Volatile.Read(ref _cancels);

    private int _cancels;

    public EngineStats GetStats() => Stats;

    /// <summary>What <see cref="GetFallbackCounts"/> reports (ops run on a fallback device).</summary>
    public IReadOnlyList<FallbackCount> Fallbacks { get; set; } = [];

    public IReadOnlyList<FallbackCount> GetFallbackCounts() => Fallbacks;

    /// <summary>What the engine reports as its fault (null = serving).</summary>
    public string? Fault { get; set; }

    public RequestHandle Submit(EngineRequest request)
    {
        if (Refuse?.Invoke(request) is { } error)
            throw error;
        Submitted.Enqueue(request);
        string id = request.Id ?? $"fake-{Interlocked.Increment(ref _next)}";
        var channel = Channel.CreateUnbounded<RequestOutput>();
        var cts = new CancellationTokenSource();
        var script = Run ?? ((r, ct) => Reply(r, "Hello world", ct));
        _ = Task.Run(async () =>
        {
            var usage = new Usage(request.PromptTokens.Count, 0, 0);
            try
            {
                await foreach (var output in script(request, cts.Token).WithCancellation(cts.Token))
                {
                    usage = output.Usage;
                    await channel.Writer.WriteAsync(output);
                }
            }
            catch (OperationCanceledException)
            {
                await channel.Writer.WriteAsync(new RequestOutput { TokenIds = [], Text = "", FinishReason = FinishReason.Cancelled, Usage = usage });
            }
            catch (Exception e)
            {
                // A script that throws plays an engine step failing: the outputs end with its error, as LlmEngine ends them.
                channel.Writer.Complete(e);
                return;
            }
            channel.Writer.Complete();
        });
        return new RequestHandle(id, channel.Reader, () =>
        {
            Interlocked.Increment(ref _cancels);
            FirstCancel.TrySetResult(id);
            cts.Cancel();
        });
    }

    /// <summary>Logprob the fake gives the k-th generated token (0-based): -0.25 (k + 1).</summary>
    public static float LogprobOf(int k) => -0.25f * (k + 1);

    /// <summary>
    /// Streams <paramref name="text"/> encoded with the model's tokenizer, one token per output, cut at
    /// MaxTokens (finish Length, else Stop). Logprobs when asked: token k gets <see cref="LogprobOf"/>(k) and
    /// alternatives (id + j) mod V with logprob LogprobOf(k) - j for j = 0..TopLogprobs-1. Prompt logprobs: -1 each.
    /// </summary>
    public async IAsyncEnumerable<RequestOutput> Reply(EngineRequest request, string text,
        [EnumeratorCancellation] CancellationToken cancellation, int cachedPromptTokens = 0, int delayMs = 0)
    {
        var tok = Model.Tokenizer;
        var ids = tok.Encode(text);
        int count = request.Sampling.MaxTokens is { } max ? Math.Min(max, ids.Length) : ids.Length;
        var decoder = tok.CreateIncrementalDecoder(skipSpecial: true, continuation: true);
        for (int k = 0; k < count; k++)
        {
            if (delayMs > 0)
                await Task.Delay(delayMs, cancellation);
            cancellation.ThrowIfCancellationRequested();
            bool last = k == count - 1;
            string piece = decoder.Push(ids[k]) + (last ? decoder.Flush() : "");
            yield return new RequestOutput
            {
                TokenIds = [ids[k]],
                Text = piece,
                Logprobs = request.Sampling.Logprobs ? [Logprob(ids[k], LogprobOf(k), request.Sampling.TopLogprobs)] : null,
                PromptLogprobs = k == 0 && request.PromptLogprobs ? PromptLogprobs(request.PromptTokens, request.Sampling.TopLogprobs) : null,
                FinishReason = last ? (count < ids.Length ? FinishReason.Length : FinishReason.Stop) : null,
                Usage = new Usage(request.PromptTokens.Count, k + 1, cachedPromptTokens),
            };
        }
    }

    /// <summary>Never finishes on its own: one "a" token every <paramref name="delayMs"/> until cancelled.</summary>
    public async IAsyncEnumerable<RequestOutput> Endless(EngineRequest request, [EnumeratorCancellation] CancellationToken cancellation, int delayMs = 20)
    {
        int id = Model.Tokenizer.Encode("a")[0];
        for (int k = 1; ; k++)
        {
            await Task.Delay(delayMs, cancellation);
            yield return new RequestOutput { TokenIds = [id], Text = "a", Usage = new Usage(request.PromptTokens.Count, k, 0) };
        }
    }

    private TokenLogprob Logprob(int id, float logprob, int top)
    {
        var alternatives = new TopLogprob[top];
        for (int j = 0; j < top; j++)
            alternatives[j] = new TopLogprob((id + j) % Model.Tokenizer.VocabSize, logprob - j);
        return new TokenLogprob(id, logprob, alternatives);
    }

    private TokenLogprob?[] PromptLogprobs(IReadOnlyList<int> prompt, int top)
    {
        var result = new TokenLogprob?[prompt.Count];
        for (int i = 1; i < prompt.Count; i++)
            result[i] = Logprob(prompt[i], -1f, top);
        return result;
    }
}
