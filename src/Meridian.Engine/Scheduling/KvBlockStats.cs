// A snapshot of the paged KV cache and prefix cache figures (for EngineStats and /metrics).
namespace Meridian.Engine.Scheduling;

/// <summary>
/// <paramref name="Used"/> + <paramref name="Free"/> = <paramref name="Total"/>. Free includes
/// <paramref name="Cached"/>-but-unreferenced blocks (reusable by a prefix hit, evicted LRU on demand).
/// Prefix figures count prompt tokens at each request's first admission only (recomputes after
/// preemption are not lookups a user asked for).
/// </summary>
public readonly record struct KvBlockStats(
    int Total,
    int Used,
    int Free,
    int Cached,
    long PrefixQueriedTokens,
    long PrefixHitTokens,
    long Preemptions);
