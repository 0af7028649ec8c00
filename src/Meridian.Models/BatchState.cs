// Mutable state of a model runner: the paged KV cache (numBlocks × blockSize positions per layer, shared by
// every sequence through block tables), the step's inputs on the device and the workspace for its tokens.
using Meridian.Core.Backends;

namespace Meridian.Models;

/// <summary>Device buffers of <see cref="ILanguageModel.ForwardBatch"/>; owned by the engine's runner.</summary>
public abstract class BatchState : IDisposable
{
    /// <summary>Blocks in the paged KV cache.</summary>
    public abstract int NumBlocks { get; }

    /// <summary>Positions per block.</summary>
    public abstract int BlockSize { get; }

    /// <summary>Most tokens one step may feed.</summary>
    public abstract int MaxTokens { get; }

    /// <summary>The stream the model's ops go to.</summary>
    public abstract IComputeStream Stream { get; }

    /// <summary>Copies block <paramref name="source"/>'s keys and values into <paramref name="destination"/>
    /// in every layer (copy-on-write of a shared block).</summary>
    public abstract void CopyBlock(int source, int destination);

    /// <inheritdoc />
    public abstract void Dispose();
}
