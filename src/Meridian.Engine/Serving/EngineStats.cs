// A point-in-time view of the engine for metrics and health.
namespace Meridian.Engine.Serving;

/// <summary>Figures the engine thread publishes after every step.</summary>
public readonly record struct EngineStats(
    int Waiting,
    int Running,
    int KvBlocksUsed,
    int KvBlocksFree,
    long PrefixQueriedTokens,
    long PrefixHitTokens,
    long Preemptions)
{
    /// <summary>Share of prompt tokens looked up in the prefix cache that were found there; 0 before any lookup.</summary>
    public double PrefixHitRate => PrefixQueriedTokens == 0 ? 0 : (double)PrefixHitTokens / PrefixQueriedTokens;
}
