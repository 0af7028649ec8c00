// User knobs of one generation.
namespace Meridian.Engine.Generation;

/// <summary>How long to generate and when to stop.</summary>
/// <param name="MaxTokens">Most tokens to generate.</param>
/// <param name="StopTokens">Ids that end generation (EOS, EOT, ...); the stopping id is not emitted.</param>
public sealed record GenerationOptions(int MaxTokens, IReadOnlySet<int> StopTokens);
