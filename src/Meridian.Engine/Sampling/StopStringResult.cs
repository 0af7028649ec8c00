// What StopStringMatcher.Push hands back: the text safe to emit now, and whether a stop string was hit.
namespace Meridian.Engine.Sampling;

/// <summary>Result of <see cref="StopStringMatcher.Push"/>.</summary>
/// <param name="Text">Text that can be emitted now (never contains a stop string).</param>
/// <param name="Stopped">True when a stop string completed; generation should end.</param>
/// <param name="StopString">The stop string that was hit, or null.</param>
public readonly record struct StopStringResult(string Text, bool Stopped, string? StopString);
