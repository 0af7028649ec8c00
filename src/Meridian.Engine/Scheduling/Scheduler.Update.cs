// Scheduler, applying one step's results: advance computed counts, register newly full blocks in the
// prefix cache, append sampled tokens and finish requests on a stop token or a length limit.
using Meridian.Engine.Serving;

namespace Meridian.Engine.Scheduling;

public sealed partial class Scheduler
{
    /// <summary>
    /// Applies the step planned by the latest <see cref="Schedule"/>. <paramref name="sampledTokens"/> holds
    /// one token per chunk with Sample set, in chunk order. A sampled token is appended to the request (a stop
    /// token too, see <see cref="SequenceRequest.Tokens"/>); the request then finishes with Stop when the token
    /// is one of its stop tokens, else with Length when it has MaxTokens outputs or MaxModelLength tokens.
    /// Chunks of requests finished since the plan are skipped (their sampled tokens are ignored). Returns the
    /// requests that finished in this update, with their blocks already freed.
    /// </summary>
    public IReadOnlyList<SequenceRequest> Update(SchedulerOutput output, ReadOnlySpan<int> sampledTokens)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!ReferenceEquals(output, _pending))
            throw new InvalidOperationException("Update takes the output of the latest Schedule, once");
        if (sampledTokens.Length != output.SampleCount)
            throw new ArgumentException($"the step samples {output.SampleCount} tokens but {sampledTokens.Length} were given",
                nameof(sampledTokens));
        _pending = null;

        var finished = new List<SequenceRequest>();
        int next = 0;
        foreach (var chunk in output.Chunks)
        {
            var request = chunk.Request;
            int token = chunk.Sample ? sampledTokens[next++] : -1;
            if (request.Status != RequestStatus.Running || request.NumComputedTokens != chunk.StartPos)
                continue;
            request.NumComputedTokens += chunk.Count;
            _kv.Commit(request);
            if (!chunk.Sample)
                continue;
            request.AppendToken(token);
            FinishReason? reason =
                request.IsStopToken(token) ? FinishReason.Stop
                : request.OutputLength >= request.MaxTokens || request.Tokens.Count >= _options.MaxModelLength ? FinishReason.Length
                : null;
            if (reason is { } r)
            {
                _running.Remove(request);
                Retire(request, r);
                finished.Add(request);
            }
        }
        return finished;
    }
}
