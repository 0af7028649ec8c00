// The machine's memory read bandwidth, measured in the same run as the figures it is compared with: T
// threads each sum their slice of one buffer (1 GiB, far beyond any cache) with vector loads; the best of
// several passes counts. The same idea as STREAM's read kernels or `mbw`, reduced to pure reads, with
// software prefetch 16 KiB ahead (without it this machine reads at ~47-50 GB/s; with it, see the reports).
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Meridian.Bench;

internal static unsafe class MemoryBandwidth
{
    public const long DefaultBytes = 1L << 30;
    public const int DefaultPasses = 5;
    private const int Chunk = 4096; // slices are whole pages, so each thread's share starts page-aligned
    private const int PrefetchAhead = 16384;

    /// <summary>GB/s (1e9 bytes/s) of the fastest of <paramref name="passes"/> full reads of a buffer of
    /// <paramref name="bytes"/> (capped at a quarter of the memory .NET may use), split among <paramref name="threads"/>.</summary>
    public static double Measure(int threads, long bytes = DefaultBytes, int passes = DefaultPasses)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(passes, 1);
        bytes = Math.Min(bytes, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4);
        bytes = Math.Max(Chunk, bytes / Chunk * Chunk);
        long chunks = bytes / Chunk;
        var buffer = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, Chunk);
        try
        {
            // Thread i owns chunks [start[i], start[i+1]): it writes them first (so the pages are real and, on
            // NUMA machines, local to it) and reads them in every pass.
            long[] start = new long[threads + 1];
            for (int i = 0; i <= threads; i++)
                start[i] = chunks * i / threads * Chunk;
            ulong[] sums = new ulong[threads];
            using var go = new Barrier(threads + 1);
            using var done = new Barrier(threads + 1);
            var workers = new Thread[threads];
            for (int i = 0; i < threads; i++)
            {
                int id = i;
                workers[i] = new Thread(() =>
                {
                    var slice = new Span<ulong>(buffer + start[id], checked((int)((start[id + 1] - start[id]) / sizeof(ulong))));
                    slice.Fill(1);
                    done.SignalAndWait();
                    for (int p = 0; p < passes; p++)
                    {
                        go.SignalAndWait();
                        sums[id] = Sum(buffer + start[id], start[id + 1] - start[id]);
                        done.SignalAndWait();
                    }
                }) { IsBackground = true, Name = $"membw-{i}" };
                workers[i].Start();
            }
            done.SignalAndWait(); // buffer initialised
            double best = double.MaxValue;
            ulong? wrongSum = null;
            for (int p = 0; p < passes; p++)
            {
                // The clock includes waking the threads (microseconds against a pass of tens of milliseconds),
                // so the figure errs low, never high.
                long t0 = Stopwatch.GetTimestamp();
                go.SignalAndWait();
                done.SignalAndWait();
                best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalSeconds);
                // Every u64 is 1, so a pass that read each byte once sums to bytes / 8.
                ulong total = 0;
                foreach (ulong s in sums)
                    total += s;
                if (total != (ulong)bytes / sizeof(ulong))
                    wrongSum ??= total;
            }
            foreach (var w in workers)
                w.Join();
            if (wrongSum is { } wrong)
                throw new InvalidOperationException($"memory bandwidth pass summed {wrong}, expected {bytes / sizeof(ulong)}");
            return bytes / best / 1e9;
        }
        finally
        {
            NativeMemory.AlignedFree(buffer);
        }
    }

    // Sum of the u64s in [p, p + length); length is a multiple of Chunk. Four independent accumulators so
    // the adds never wait on each other: the loads are the only limit.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static ulong Sum(byte* p, long length)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<ulong> a0 = default, a1 = default, a2 = default, a3 = default;
            for (byte* end = p + length; p < end; p += 4 * Vector256<byte>.Count)
            {
                // Software prefetch far ahead, as Meridian's decode kernels do: on this kind of machine the
                // hardware prefetcher alone leaves a core latency-bound well below what DRAM delivers.
                if (Sse.IsSupported)
                {
                    Sse.Prefetch0(p + PrefetchAhead);
                    Sse.Prefetch0(p + PrefetchAhead + 64);
                }
                a0 += Vector256.Load((ulong*)p);
                a1 += Vector256.Load((ulong*)(p + Vector256<byte>.Count));
                a2 += Vector256.Load((ulong*)(p + 2 * Vector256<byte>.Count));
                a3 += Vector256.Load((ulong*)(p + 3 * Vector256<byte>.Count));
            }
            return Vector256.Sum(a0 + a1 + a2 + a3);
        }
        else
        {
            Vector128<ulong> a0 = default, a1 = default, a2 = default, a3 = default;
            for (byte* end = p + length; p < end; p += 4 * Vector128<byte>.Count)
            {
                a0 += Vector128.Load((ulong*)p);
                a1 += Vector128.Load((ulong*)(p + Vector128<byte>.Count));
                a2 += Vector128.Load((ulong*)(p + 2 * Vector128<byte>.Count));
                a3 += Vector128.Load((ulong*)(p + 3 * Vector128<byte>.Count));
            }
            return Vector128.Sum(a0 + a1 + a2 + a3);
        }
    }
}
