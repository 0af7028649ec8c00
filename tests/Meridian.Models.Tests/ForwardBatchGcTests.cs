// Issue 7: batched decode steps over the paged KV cache allocate nothing once warm (DecodeGcTests'
// pattern for ForwardBatch): three sequences decode together; GC counts must not move, and the calling
// thread must allocate 0 bytes (the worker threads are held to 0 by WorkerPoolAllocationTests).
using Meridian.Backends.Cpu;
using Meridian.Core.Tensors;
using Meridian.Tests.Shared;
using Xunit.Abstractions;

namespace Meridian.Models.Tests;

[Collection(nameof(DecodeAllocationTests))]
public sealed class ForwardBatchGcTests(ITestOutputHelper output)
{
    private const int WarmUp = 16, Decoded = 96, BlockSize = 16;

    [Theory]
    [InlineData("llama", DType.Q4_0)]
    [InlineData("qwen2", DType.F16)]
    [InlineData("qwen3", DType.Q8_0)]
    public void ForwardBatchDecode_AfterWarmUp_NoCollectionNoAllocation(string arch, DType matrixType)
    {
        using var dir = new TempDir();
        using var device = new CpuDevice(threads: 2);
        using var model = ForwardBatchTests.Load(dir, arch, matrixType, device, seed: 11);
        int[][] prompts = [[1, 7, 3, 39, 0], [4, 4, 8, 15, 16, 23, 2], [9, 30, 5]];
        int maxLength = prompts.Max(p => p.Length) + WarmUp + Decoded;
        int blocksPerSequence = (maxLength + BlockSize - 1) / BlockSize;
        using var state = model.CreateBatchState(numBlocks: prompts.Length * blocksPerSequence, blockSize: BlockSize, maxTokens: 32);
        var input = new BatchInput(maxTokens: 32, maxSequences: prompts.Length, maxBlocksPerSequence: blocksPerSequence, blockSize: BlockSize);
        // Sequence i owns blocks i, i + n, i + 2n, ...: interleaved in the cache.
        int[][] tables = Enumerable.Range(0, prompts.Length)
            .Select(i => Enumerable.Range(0, blocksPerSequence).Select(b => b * prompts.Length + i).ToArray()).ToArray();
        var logits = new float[prompts.Length * model.VocabSize];
        int[] positions = new int[prompts.Length];
        int[][] next = prompts.Select(_ => new int[1]).ToArray();

        for (int i = 0; i < prompts.Length; i++)
        {
            input.AddSequence(prompts[i], 0, tables[i], LogitSelection.Last);
            positions[i] = prompts[i].Length;
        }
        model.ForwardBatch(state, input, logits);
        void Step()
        {
            input.Clear();
            for (int i = 0; i < prompts.Length; i++)
            {
                next[i][0] = ForwardBatchTests.ArgMax(logits.AsSpan(i * model.VocabSize, model.VocabSize));
                input.AddSequence(next[i], positions[i]++, tables[i], LogitSelection.Last);
            }
            model.ForwardBatch(state, input, logits);
        }
        for (int i = 0; i < WarmUp; i++)
            Step();

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        int[] before = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
        long thread0 = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Decoded; i++)
            Step();
        long thread = GC.GetAllocatedBytesForCurrentThread() - thread0;
        int[] after = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];

        output.WriteLine($"{arch} {matrixType}, {Decoded} steps of {prompts.Length} sequences: collections [{string.Join(", ", before)}] -> [{string.Join(", ", after)}], calling thread allocated {thread} B");
        Assert.Equal(before, after);
        Assert.Equal(0, thread);
    }
}
