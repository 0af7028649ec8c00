// Issue 4 through the generation loop: a generation 32 tokens longer allocates no more bytes on the
// calling thread than a short one (per-call costs such as the prompt array and the result cancel out).
using Meridian.Backends.Cpu;
using Meridian.Engine.Generation;
using Meridian.Models;
using Meridian.Tests.Shared;

namespace Meridian.Engine.Tests.Generation;

public sealed class GenerationAllocationTests
{
    private const int Short = 4, Extra = 32;

    [Fact]
    public void Generate_LongerRun_AllocatesNothingPerToken()
    {
        using var dir = new TempDir();
        string path = dir.File("tiny.gguf");
        TinyLetterModel.Write(path);
        using var device = new CpuDevice(threads: 2);
        using var model = ModelLoader.Load(path, device);
        using var generator = new TextGenerator(model, capacity: 64);
        TokenSampler greedy = static (logits, _) =>
        {
            int best = 0;
            for (int i = 1; i < logits.Length; i++)
            {
                if (logits[i] > logits[best])
                    best = i;
            }
            return best;
        };
        Func<int, bool> onToken = static _ => true;
        int[] prompt = [TinyLetterModel.BosId];
        var none = new HashSet<int>();
        GenerationOptions shortRun = new(Short, none), longRun = new(Short + Extra, none);

        long Measure(GenerationOptions options)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            generator.Generate(prompt, options, greedy, onToken);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Measure(longRun); // warm-up: JIT, scratch sized to the cache
        long shortBytes = Measure(shortRun);
        long longBytes = Measure(longRun);
        Assert.True(longBytes == shortBytes, $"{Extra} more tokens allocated {longBytes - shortBytes} B more ({shortBytes} B vs {longBytes} B)");
    }
}
