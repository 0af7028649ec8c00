// A fixed pool of worker threads that split one job by static partition. No Task per op and no
// allocation per run: the caller reuses job objects and the workers wait on their own semaphore.
namespace Meridian.Backends.Cpu;

/// <summary>A unit of parallel work over items [start, end) run by worker <c>worker</c>.</summary>
internal interface IParallelJob
{
    void Run(int start, int end, int worker);
}

/// <summary>
/// Threads 1..N-1 plus the calling thread (worker 0). <see cref="For"/> gives worker w the items
/// [w·count/N, (w+1)·count/N) and returns when all are done; one job at a time (streams are serial).
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _start;
    // Released once per For by the last worker to finish. A SemaphoreSlim, not a ManualResetEventSlim:
    // the latter creates its lock object on the first Wait that blocks, an allocation at a random token.
    private readonly SemaphoreSlim _done = new(0);
    private IParallelJob? _job;
    private int _count;
    private int _pending;
    private volatile bool _stopping;
    private Exception? _failure;

    public WorkerPool(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ThreadCount = threads;
        _threads = new Thread[threads - 1];
        _start = new SemaphoreSlim[threads - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            int worker = i + 1;
            _start[i] = new SemaphoreSlim(0);
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
        _job = job;
        _count = count;
        _failure = null;
        Volatile.Write(ref _pending, n - 1);
        for (int w = 1; w < n; w++)
            _start[w - 1].Release();
        job.Run(0, count / n, 0);
        _done.Wait();
        _job = null;
        if (_failure != null)
            throw new AggregateException("a CPU worker failed", _failure);
    }

    private void Loop(int worker)
    {
        var start = _start[worker - 1];
        while (true)
        {
            start.Wait();
            if (_stopping)
                return;
            int n = Math.Min(ThreadCount, _count);
            try
            {
                _job!.Run((int)((long)worker * _count / n), (int)((long)(worker + 1) * _count / n), worker);
            }
            catch (Exception e)
            {
                _failure = e;
            }
            if (Interlocked.Decrement(ref _pending) == 0)
                _done.Release();
        }
    }

    public void Dispose()
    {
        _stopping = true;
        foreach (var s in _start)
            s.Release();
        foreach (var t in _threads)
            t.Join();
        foreach (var s in _start)
            s.Dispose();
        _done.Dispose();
    }
}
