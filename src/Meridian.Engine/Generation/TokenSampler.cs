// The seam between generation and sampling: one logits row in, one token id out. The sampler
// chain (Sampling/) plugs in here; BasicSamplers has greedy and plain temperature sampling.
namespace Meridian.Engine.Generation;

/// <summary>Picks the next token from one row of logits [V] f32. <paramref name="history"/> is every token so far (prompt included).</summary>
public delegate int TokenSampler(ReadOnlySpan<float> logits, IReadOnlyList<int> history);
