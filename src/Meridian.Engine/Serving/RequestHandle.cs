// The caller's end of one request: its output stream and a way to cancel it.
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Meridian.Engine.Serving;

/// <summary>
/// Streams one request's outputs. Disposing before the final output cancels the request; cancelling the
/// token passed to <see cref="ReadAllAsync"/> does too (a client that went away).
/// </summary>
public sealed class RequestHandle : IDisposable
{
    private readonly ChannelReader<RequestOutput> _outputs;
    private readonly Action _cancel;
    private int _finished;

    /// <summary>A handle over <paramref name="outputs"/> (completed after the final output) and a cancel callback.</summary>
    public RequestHandle(string id, ChannelReader<RequestOutput> outputs, Action cancel)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(cancel);
        Id = id;
        _outputs = outputs;
        _cancel = cancel;
    }

    /// <summary>The engine's id of the request.</summary>
    public string Id { get; }

    /// <summary>Outputs until (and including) the one with a finish reason.</summary>
    public async IAsyncEnumerable<RequestOutput> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellation = default)
    {
        using var registration = cancellation.Register(Cancel);
        while (await _outputs.WaitToReadAsync(cancellation).ConfigureAwait(false))
        {
            while (_outputs.TryRead(out var output))
            {
                if (output.FinishReason is not null)
                    Volatile.Write(ref _finished, 1);
                yield return output;
            }
        }
    }

    /// <summary>Asks the engine to stop this request; its final output says <see cref="FinishReason.Cancelled"/>.</summary>
    public void Cancel()
    {
        if (Volatile.Read(ref _finished) == 0)
            _cancel();
    }

    /// <summary>Cancels the request unless it already finished.</summary>
    public void Dispose() => Cancel();
}
