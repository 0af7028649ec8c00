// WorkerPool hand-off: many small For calls in a row complete with every item run exactly once, on
// the spinning path (back to back), the blocking path (a sleep between calls, or no spin at all), and
// a worker's or the caller's exception reaches the caller without leaving the pool stuck. Pools that
// should spin have at most 2 threads: the pool never spins with more threads than processors.
namespace Meridian.Backends.Cpu.Tests;

public sealed class WorkerPoolTests
{
    [Theory]
    [InlineData(2, 20_000)]
    [InlineData(3, 20_000)]
    public void For_ManyCallsBackToBack_RunEachItemOnce(int threads, int calls)
    {
        using var pool = new WorkerPool(threads);
        RunCalls(pool, calls, pause: null);
    }

    [Fact]
    public void For_SleepBetweenCalls_RunEachItemOnce()
    {
        // 2 ms between calls is far past the 50 µs spin: every hand-off goes through the semaphores.
        using var pool = new WorkerPool(2);
        RunCalls(pool, 200, pause: () => Thread.Sleep(2));
    }

    [Fact]
    public void For_NoSpin_RunEachItemOnce()
    {
        using var pool = new WorkerPool(3, spin: TimeSpan.Zero);
        RunCalls(pool, 5_000, pause: null);
    }

    [Fact]
    public void For_MixedSpinAndSleep_RunEachItemOnce()
    {
        // Gaps around the spin time, so workers and caller go to sleep just as the next call arrives.
        using var pool = new WorkerPool(2, spin: TimeSpan.FromMicroseconds(20));
        int i = 0;
        RunCalls(pool, 3_000, pause: () =>
        {
            if (++i % 3 == 0)
                Thread.SpinWait(200 * (i % 17));
        });
    }

    [Theory]
    [InlineData(0)] // the caller's own share throws
    [InlineData(2)] // a worker thread's share throws
    public void For_JobThrows_RethrowsAndPoolStillWorks(int failingWorker)
    {
        using var pool = new WorkerPool(3);
        var job = new ThrowingJob(failingWorker);
        for (int attempt = 0; attempt < 50; attempt++)
        {
            var e = Assert.Throws<AggregateException>(() => pool.For(9, job));
            Assert.IsType<InvalidOperationException>(e.InnerException);
        }
        RunCalls(pool, 1_000, pause: null);
    }

    // Call c (1-based) runs over count = 1 + c % 9 items and adds 1 to each item's hit count, so after
    // it items [0, count) must have been hit exactly as often as calls with at least that many items.
    private static void RunCalls(WorkerPool pool, int calls, Action? pause)
    {
        const int MaxCount = 9;
        var job = new CountingJob(MaxCount, pool.ThreadCount);
        var expected = new int[MaxCount];
        for (int c = 1; c <= calls; c++)
        {
            int count = 1 + c % MaxCount;
            pool.For(count, job);
            for (int i = 0; i < count; i++)
                expected[i]++;
            for (int i = 0; i < MaxCount; i++)
            {
                if (job.Hits[i] != expected[i])
                    Assert.Fail($"call {c} (count {count}): item {i} run {job.Hits[i]} times, expected {expected[i]}");
            }
            pause?.Invoke();
        }
        Assert.True(job.BadWorker == 0, "a worker id was out of range");
    }

    private sealed class CountingJob(int items, int workers) : IParallelJob
    {
        public int[] Hits { get; } = new int[items];

        public int BadWorker;

        public void Run(int start, int end, int worker)
        {
            if ((uint)worker >= (uint)workers)
                Interlocked.Increment(ref BadWorker);
            for (int i = start; i < end; i++)
                Hits[i]++; // each item belongs to one worker; For's return publishes the writes
        }
    }

    private sealed class ThrowingJob(int failingWorker) : IParallelJob
    {
        public void Run(int start, int end, int worker)
        {
            if (worker == failingWorker)
                throw new InvalidOperationException($"worker {worker} fails");
        }
    }
}
