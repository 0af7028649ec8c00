// Where a request is in the scheduler's life cycle.
namespace Meridian.Engine.Scheduling;

/// <summary>State of a <see cref="SequenceRequest"/>.</summary>
public enum RequestStatus
{
    /// <summary>Queued, never admitted.</summary>
    Waiting,

    /// <summary>Admitted: holds blocks and is scheduled every step until it finishes.</summary>
    Running,

    /// <summary>Evicted from the batch to free blocks; back at the front of the queue, recomputed on readmission.</summary>
    Preempted,

    /// <summary>Done; holds no blocks.</summary>
    Finished,
}
