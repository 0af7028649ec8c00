// Whole models on the Vulkan device (lavapipe in CI) through the engine's forward pass, against the CPU backend.
//
// Where both sides keep activations in f32 (F32 weights: the Qwen2-architecture stories260K, a synthetic Qwen3) the
// two differ only by summation order and the free-running greedy tokens must be equal, all 64.
//
// On the TinyLlama shape in Q4_0, Q8_0 and Q4_K_M they cannot be: the CPU rounds every matmul's activations to 8
// bits (as ggml does) and Vulkan keeps them in f32, so over 22 layers of random weights the logits differ by about
// 1e-3 NMSE while this model's top two logits are often closer than that (the plugin test, issue 15, measured the
// same). So these are checked as the conformance kit and vLLM's check_logprobs_close check models: the CPU's greedy
// tokens are fed to Vulkan and at every step the logits are within the kit's model bound and the argmax is the CPU's
// token or a near tie. The kit's near-tie bound is for a device against exact arithmetic; here only the CPU side
// carries the 8-bit noise, so it applies as it is. The 64 steps run as one prefill: Vulkan's sums do not depend on
// the batch (the kit's batch-invariance case checks that bit for bit), so its rows are the ones 64 single-token
// steps give, and if every step picks the CPU's token a free run gives the CPU's 64 tokens.
using Meridian.Backends.Cpu;
using Meridian.Models.Synthetic;
using Meridian.Tests.Shared.Models;
using Xunit.Abstractions;

namespace Meridian.Backends.Vulkan.Tests;

public sealed class VulkanModelTests(ITestOutputHelper output)
{
    private const int Steps = 64;
    private static readonly int[] TinyLlamaPrompt = [1, 450, 4996, 17354, 1701, 432, 17204, 975]; // BOS, seven ids under 32000

    // Qwen3's head shape (Dh 128, GQA, per-head q/k norms), small enough for free runs on lavapipe.
    private static readonly SyntheticShapeSpec Qwen3Shape = new("test-qwen3", "qwen3", D: 512, F: 1536, V: 4096, H: 4, Hkv: 2, L: 4, RopeTheta: 1000000f);

    [SkippableTheory]
    [InlineData("Q4_0")]
    [InlineData("Q8_0")]
    [InlineData("Q4_K_M")]
    public void TinyLlamaShape_CpuGreedy64_VulkanLogitsCloseAndSameTokensUpToNearTies(string type)
    {
        var vulkan = VulkanTestDevice.Require();
        string model = DeviceModelRuns.Synthetic("tinyllama-1.1b", type);
        using var cpu = new CpuDevice(threads: 2);
        var tokens = DeviceModelRuns.Greedy(model, cpu, TinyLlamaPrompt, Steps);
        var cpuLogits = DeviceModelRuns.TeacherForced(model, cpu, TinyLlamaPrompt, tokens, onePrefill: true);
        var vulkanLogits = DeviceModelRuns.TeacherForced(model, vulkan, TinyLlamaPrompt, tokens, onePrefill: true);
        var (same, worst) = DeviceModelRuns.CheckCloseUpToNearTies(tokens, cpuLogits, vulkanLogits, "Vulkan", tieScale: 1);
        output.WriteLine($"{type}: {same} of {Steps} steps pick the CPU's token; the others are near ties; worst logits NMSE {worst:G3}");
    }

    [SkippableFact]
    public void Qwen2ArchStories260K_F32_Greedy64_EqualsCpuBackendAndLlamaCpp()
    {
        var vulkan = VulkanTestDevice.Require();
        string model = TestData.Require("stories260k/qwen2arch/stories260K-qwen2arch-F32.gguf");
        var actual = DeviceModelRuns.AssertGreedyEqualsCpu(model, vulkan, [1], Steps, output.WriteLine);
        var llamaCpp = LlamaCppGreedyIds();
        Assert.Equal(llamaCpp.Take(Steps), actual);
    }

    [SkippableTheory]
    [InlineData("F32")]
    [InlineData("F16")]
    public void SyntheticQwen3_Greedy64_EqualsCpuBackend(string type)
    {
        var vulkan = VulkanTestDevice.Require();
        string model = DeviceModelRuns.Synthetic(Qwen3Shape, type);
        DeviceModelRuns.AssertGreedyEqualsCpu(model, vulkan, [1, 300, 1200, 77, 4000], Steps, output.WriteLine);
    }

    // llama.cpp's greedy ids from BOS on the same file (../shared/testdata/stories260k/qwen2arch/reference): the line
    // "sequence 1 id id ...", BOS first.
    private static int[] LlamaCppGreedyIds()
    {
        string file = TestData.Require("stories260k/qwen2arch/reference/greedy_bos_200.kvf32.ids.txt");
        string line = File.ReadLines(file).Single(l => l.StartsWith("sequence ", StringComparison.Ordinal));
        return line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(2).Select(int.Parse).ToArray();
    }
}
