// Mutable per-sequence state: the KV cache and the activation workspace (llama2.c RunState).
using Meridian.Core.Backends;

namespace Meridian.Models;

/// <summary>Device buffers a model's forward pass writes; one per sequence, owned by the runner.</summary>
public abstract class ModelState : IDisposable
{
    /// <summary>Positions the KV cache holds.</summary>
    public abstract int Capacity { get; }

    /// <summary>Most tokens one forward chunk takes.</summary>
    public abstract int MaxBatch { get; }

    /// <summary>The stream the model's ops go to.</summary>
    public abstract IComputeStream Stream { get; }

    /// <inheritdoc />
    public abstract void Dispose();
}
