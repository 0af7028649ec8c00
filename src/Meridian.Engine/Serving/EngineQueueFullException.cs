// The engine's queue is full: the server answers 429 with Retry-After.
using Meridian.Core;

namespace Meridian.Engine.Serving;

/// <summary>Thrown by <see cref="ILlmEngine.Submit"/> when <c>--max-queue</c> requests are already waiting.</summary>
public sealed class EngineQueueFullException(int maxQueue)
    : MeridianException($"the server is busy: {maxQueue} requests are already queued; retry later")
{
    /// <summary>The queue limit that was hit.</summary>
    public int MaxQueue { get; } = maxQueue;
}
