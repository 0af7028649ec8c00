// A fixed pool of worker threads that split one job by static partition. No Task per op and no
// allocation per run: the caller reuses job objects. A waiting thread polls a generation counter,
// yielding the core between polls, for up to 50 µs before blocking on a semaphore, so the back-to-back
// ops of a decode step pay no futex wake-up.
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Meridian.Backends.Cpu;

/// <summary>A unit of parallel work over items [start, end) run by worker <c>worker</c>.</summary>
internal interface IParallelJob
{
    void Run(int start, int end, int worker);
}

/// <summary>
/// Threads 1..N-1 plus the calling thread (worker 0). <see cref="For"/> gives worker w the items
/// [w·count/n, (w+1)·count/n), n = min(N, count), and returns when all are done; one job at a time
/// (streams are serial).
/// </summary>
/// <remarks>
/// Hand-off: the caller publishes the job and bumps <c>_generation</c>; a worker that sees the bump while
/// spinning starts at once, one that has gone to sleep is woken through its semaphore. Sleeping is a
/// Dekker handshake, both sides using full-fence interlocked operations: the worker sets its sleeping flag
/// then rereads the generation, the caller bumps the generation then swaps the flag to 0. At least one of
/// them sees the other, and exactly one of them owns the flag's reset: if the caller reset it, it also
/// releases the semaphore and the worker consumes that release; a worker woken with no new generation
/// (a late release from the previous For) goes back to waiting. The caller's wait for the last worker
/// keeps its sleeping flag in the same word as the count of workers still running (<see cref="CallerAsleep"/>),
/// so the worker that brings the count to 0 decides in that one atomic step whether to wake it.
/// </remarks>
internal sealed class WorkerPool : IDisposable
{
    /// <summary>How long a waiting thread polls before it blocks: longer than the gaps between the ops of
    /// a decode step (single-threaded norms, adds, copies), far shorter than a token.</summary>
    public static readonly TimeSpan DefaultSpin = TimeSpan.FromMicroseconds(50);

    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _wake;   // per worker 1..N-1, released only when it is asleep
    private readonly int[] _sleeping;         // per worker 1..N-1: 1 while it is (about to be) blocked on _wake
    // Released by the last worker only when the caller is asleep. A SemaphoreSlim, not a ManualResetEventSlim:
    // the latter creates its lock object on the first Wait that blocks, an allocation at a random token.
    private readonly SemaphoreSlim _done = new(0);
    private const int CallerAsleep = 1 << 30; // flag in _pending: the caller is (about to be) blocked on _done
    private readonly long _spinTicks;         // Stopwatch ticks; 0: block at once
    private PaddedInt _generation;            // bumped once per For (and by Dispose); workers spin on it
    private PaddedInt _pending;               // workers yet to finish the current For, | CallerAsleep
    private IParallelJob? _job;
    private int _count;
    private volatile bool _stopping;
    private Exception? _failure;

    /// <summary>A pool of <paramref name="threads"/> workers including the caller.</summary>
    /// <param name="spin">How long waits spin before blocking (default <see cref="DefaultSpin"/>); never
    /// spins when there are more workers than processors, where a spinning thread would hold the core a
    /// working one needs.</param>
    public WorkerPool(int threads, TimeSpan? spin = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ThreadCount = threads;
        var s = threads <= Environment.ProcessorCount ? spin ?? DefaultSpin : TimeSpan.Zero;
        _spinTicks = (long)(s.TotalSeconds * Stopwatch.Frequency);
        _threads = new Thread[threads - 1];
        _wake = new SemaphoreSlim[threads - 1];
        _sleeping = new int[threads - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            int worker = i + 1;
            _wake[i] = new SemaphoreSlim(0);
            _threads[i] = new Thread(() => Loop(worker)) { IsBackground = true, Name = $"meridian-cpu-{worker}" };
            _threads[i].Start();
        }
    }

    /// <summary>Workers including the caller.</summary>
    public int ThreadCount { get; }

    /// <summary>Runs <paramref name="job"/> over [0, count), split across the workers; rethrows a worker's exception.</summary>
    public void For(int count, IParallelJob job)
    {
        int n = Math.Min(ThreadCount, count);
        if (n <= 1)
        {
            if (count > 0)
                job.Run(0, count, 0);
            return;
        }
        // Every worker takes part in every For (those past n with an empty range) so that each generation
        // is seen and counted exactly once by each worker, whatever the count.
        _job = job;
        _count = count;
        _failure = null;
        Volatile.Write(ref _pending.Value, _threads.Length);
        Interlocked.Increment(ref _generation.Value);
        for (int i = 0; i < _sleeping.Length; i++)
        {
            if (Interlocked.Exchange(ref _sleeping[i], 0) == 1)
                _wake[i].Release();
        }
        Exception? own = null;
        try
        {
            job.Run(0, count / n, 0);
        }
        catch (Exception e)
        {
            own = e; // still wait: the workers are reading this job's fields
        }
        WaitForWorkers();
        _job = null;
        if (own != null || _failure != null)
            throw new AggregateException("a CPU worker failed", own ?? _failure!);
    }

    private void WaitForWorkers()
    {
        if (Spin(ref _pending.Value, 0, wantEqual: true))
            return;
        while (true)
        {
            int pending = Volatile.Read(ref _pending.Value);
            if (pending == 0)
                return;
            if (Interlocked.CompareExchange(ref _pending.Value, pending | CallerAsleep, pending) == pending)
                break;
        }
        _done.Wait(); // the last worker's decrement leaves exactly CallerAsleep and releases once
    }

    private void Loop(int worker)
    {
        int seen = 0;
        while (true)
        {
            seen = WaitForGeneration(worker, seen);
            if (_stopping)
                return;
            int count = _count, n = Math.Min(ThreadCount, count);
            try
            {
                if (worker < n)
                    _job!.Run((int)((long)worker * count / n), (int)((long)(worker + 1) * count / n), worker);
            }
            catch (Exception e)
            {
                _failure = e;
            }
            // Nothing of this For is touched after the decrement: the caller may return and start the next.
            if (Interlocked.Decrement(ref _pending.Value) == CallerAsleep)
                _done.Release();
        }
    }

    /// <summary>Waits until the generation differs from <paramref name="seen"/>; returns the new one.</summary>
    private int WaitForGeneration(int worker, int seen)
    {
        ref int sleeping = ref _sleeping[worker - 1];
        while (!Spin(ref _generation.Value, seen, wantEqual: false))
        {
            Interlocked.Exchange(ref sleeping, 1);
            // Either the caller's swap sees our 1 (and releases), or we see its generation here.
            if (Volatile.Read(ref _generation.Value) != seen && Interlocked.CompareExchange(ref sleeping, 0, 1) == 1)
                break; // took the flag back before any caller saw it: no release to consume
            // Asleep, or the caller reset the flag first and its release is on the way. A release can also
            // come late from the previous For (its caller swapped after we had run its job and come back
            // here); then the generation is still ours and the loop waits again.
            _wake[worker - 1].Wait();
        }
        int now = Volatile.Read(ref _generation.Value);
        Debug.Assert(now != seen);
        return now;
    }

    /// <summary>Spins up to the spin time until <paramref name="value"/> equals (or differs from) <paramref name="target"/>.</summary>
    /// <remarks>Each turn yields the core rather than busy-waiting. On this project's loaded 2-core build machine
    /// (load 4-8), For(2) of a ~2 µs job plus 0 / ~5 / ~25 µs of caller work between calls took, median of 7
    /// runs: the previous pool (SemaphoreSlim: a short spin, then block) 14 / 20 / 50 µs, busy-wait 89 / 101 / 133 µs (the thread waited for could not run),
    /// yielding 8 / 13 / 39 µs. On an idle machine a yield returns at once, so the loop is a plain poll.</remarks>
    private bool Spin(ref int value, int target, bool wantEqual)
    {
        if ((Volatile.Read(ref value) == target) == wantEqual)
            return true;
        if (_spinTicks == 0)
            return false;
        long until = Stopwatch.GetTimestamp() + _spinTicks;
        while (true)
        {
            Thread.Yield();
            if ((Volatile.Read(ref value) == target) == wantEqual)
                return true;
            if (Stopwatch.GetTimestamp() >= until)
                return false;
        }
    }

    public void Dispose()
    {
        _stopping = true;
        Interlocked.Increment(ref _generation.Value);
        for (int i = 0; i < _sleeping.Length; i++)
        {
            if (Interlocked.Exchange(ref _sleeping[i], 0) == 1)
                _wake[i].Release();
        }
        foreach (var t in _threads)
            t.Join();
        foreach (var s in _wake)
            s.Dispose();
        _done.Dispose();
    }

    /// <summary>An int alone on its cache line (64 bytes either side), so workers spinning on one counter
    /// do not contend with writes to the other.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct PaddedInt
    {
        [FieldOffset(64)]
        public int Value;
    }
}
