// The engine over a model placed on a FallbackDevice (a CPU wrapped to lack f32 matmul, run on a second CPU):
// its greedy tokens are the plain CPU engine's, and GetFallbackCounts (what /metrics exports) counts the calls.
using Meridian.Backends.Cpu;
using Meridian.Backends.Cpu.Tests.Fallback;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;
using Meridian.Engine.Serving;
using Meridian.Models;
using Meridian.Models.Synthetic;
using Meridian.Models.Tokenizers;
using Meridian.Tests.Shared;

namespace Meridian.Engine.Tests.Serving;

public sealed class EngineFallbackTests
{
    [Fact]
    public async Task FallbackModel_SameTokensAsPlainCpu_AndCountsTheFallback()
    {
        using var dir = new TempDir();
        string path = dir.File("fallback-F32.gguf");
        SyntheticModels.Write(path, new SyntheticShapeSpec("fallback-test", "llama", D: 64, F: 128, V: 300, H: 4, Hkv: 2, L: 2, RopeTheta: 10000f),
            "F32", pure: true, seed: 9);
        var tokenizer = TokenizerLoader.Load(path);
        var prompt = EngineFixture.Prompt(10, 4);

        List<int> expected;
        using (var cpu = new CpuDevice(threads: 1))
        using (var plain = ModelLoader.Load(path, cpu))
        using (var engine = new LlmEngine(plain, tokenizer, null, new LlmEngineOptions()))
        {
            expected = (await EngineFixture.ReadAll(engine.Submit(new(prompt, EngineFixture.Greedy(8))))).Tokens;
            Assert.Empty(engine.GetFallbackCounts());
        }

        var primary = new RestrictedDevice(new CpuDevice(threads: 1), [(BackendOp.MatMul, DType.F32)]);
        using var model = ModelLoader.Load(path, primary, new ModelLoadOptions { FallbackDevice = new CpuDevice(threads: 1) });
        try
        {
            using var engine = new LlmEngine(model, tokenizer, null, new LlmEngineOptions());
            var (tokens, _) = await EngineFixture.ReadAll(engine.Submit(new(prompt, EngineFixture.Greedy(8))));
            Assert.Equal(expected, tokens);
            // Every f32 matmul ran there; so did the lookups, whose table (tied to the output matrix) lives there too.
            var counts = engine.GetFallbackCounts().ToDictionary(c => (c.Op, c.Type), c => c.Calls);
            Assert.True(counts.GetValueOrDefault(("matmul", "f32")) > 0, string.Join(", ", counts));
            Assert.All(counts.Keys, k => Assert.Contains(k, new[] { ("matmul", "f32"), ("embedding_lookup", "f32") }));
        }
        finally
        {
            model.Device.Dispose(); // the FallbackDevice, and with it both CPUs
        }
    }
}
