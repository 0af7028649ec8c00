// A fake device KV cache for scheduler tests: records which token id each cache slot holds, so a plan's
// copies and writes can be checked by reading every chunk's context back through its block table.
using Meridian.Engine.Scheduling;

namespace Meridian.Engine.Tests.Scheduling;

/// <summary>
/// A stand-in for the device KV cache: slot (block, row) remembers the token id whose KV was written there.
/// Running a plan writes each chunk's tokens through the block table; reading back the context checks that
/// prefix hits, copies and block reuse give every request exactly its own tokens.
/// </summary>
internal sealed class FakeKvCache(int numBlocks, int blockSize)
{
    private readonly int[] _slots = Enumerable.Repeat(-1, numBlocks * blockSize).ToArray();  // [NumBlocks * BlockSize] token ids

    /// <summary>Runs the copies, then writes every chunk; asserts each chunk then sees its whole context.</summary>
    public void Run(SchedulerOutput output)
    {
        foreach (var copy in output.BlockCopies)
            Array.Copy(_slots, copy.Source * blockSize, _slots, copy.Destination * blockSize, blockSize);
        foreach (var chunk in output.Chunks)
        {
            var r = chunk.Request;
            for (int p = chunk.StartPos; p < chunk.StartPos + chunk.Count; p++)
                _slots[Slot(r, p)] = r.Tokens[p];
        }
        foreach (var chunk in output.Chunks)
        {
            var r = chunk.Request;
            for (int p = 0; p < chunk.StartPos + chunk.Count; p++)
                Assert.True(_slots[Slot(r, p)] == r.Tokens[p], $"{r}: position {p} holds token {_slots[Slot(r, p)]}, expected {r.Tokens[p]}");
        }
    }

    private int Slot(SequenceRequest r, int p) => r.BlockIds[p / blockSize] * blockSize + p % blockSize;
}
