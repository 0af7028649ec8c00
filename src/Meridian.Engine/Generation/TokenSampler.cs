// The seam between generation and sampling: one logits row in, one token id out. Sampler.Sample
// (the full chain in Sampling/) has this shape; tests plug in recording or forcing samplers.
namespace Meridian.Engine.Generation;

/// <summary>
/// Picks the next token from one row of logits [V] f32. <paramref name="history"/> is every token in
/// the sequence so far, prompt included, oldest first; it is only valid during the call.
/// </summary>
public delegate int TokenSampler(ReadOnlySpan<float> logits, ReadOnlySpan<int> history);
