// One copy-on-write of a KV-cache block, emitted by the scheduler and run before the forward pass.
namespace Meridian.Engine.Scheduling;

/// <summary>Copy every row (all layers, keys and values) of block <paramref name="Source"/> to <paramref name="Destination"/>.</summary>
public readonly record struct BlockCopy(int Source, int Destination);
