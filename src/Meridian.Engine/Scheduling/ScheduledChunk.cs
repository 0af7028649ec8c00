// One request's share of a step: a run of its tokens to feed at consecutive positions.
namespace Meridian.Engine.Scheduling;

/// <summary>
/// Feed <c>Request.Tokens[StartPos .. StartPos + Count)</c> at positions StartPos.. using
/// <c>Request.BlockIds</c>. <paramref name="Sample"/>: the chunk reaches the end of Request.Tokens, so one
/// token is sampled from its last row (a middle chunk of a long prompt samples nothing).
/// </summary>
public readonly record struct ScheduledChunk(SequenceRequest Request, int StartPos, int Count, bool Sample);
