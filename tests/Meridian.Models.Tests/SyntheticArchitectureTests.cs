// Synthetic random-weight models for the architecture flags no third-party fixture covers (Qwen3
// q/k norm, Qwen2 biases, Mistral naming), written with our GGUF and safetensors writers and run
// through the model against a plain scalar forward pass built from Core's ReferenceOps.
using Meridian.Backends.Cpu;
using Meridian.Core.Backends;
using Meridian.Tests.Shared;

namespace Meridian.Models.Tests;

public sealed class SyntheticArchitectureTests
{
    // Both sides are f32; only the order of summation differs (SIMD dot vs in-order loops).
    private const float Tolerance = 1e-4f;

    // D = hidden, F = ffn, V = vocab, H = heads, Hkv = kv heads, Dh = head dim, L = layers
    private const int D = 32, F = 48, V = 40, H = 4, Hkv = 2, Dh = 16, L = 2;
    private static readonly SyntheticShape Shape = new(D, F, V, H, Hkv, Dh, L);

    [Theory]
    [InlineData("qwen3", true)]
    [InlineData("qwen3", false)]
    [InlineData("qwen2", true)]
    [InlineData("qwen2", false)]
    [InlineData("mistral", false)]
    [InlineData("llama", false)]
    public void RandomModel_MatchesScalarForward(string arch, bool gguf)
    {
        var synthetic = SyntheticModel.Random(arch, Shape, seed: arch.Length);
        using var dir = new TempDir();
        string path = Write(dir, synthetic, gguf);
        int[] tokens = [1, 7, 3, 39, 0, 12, 5];
        // HF checkpoints are always rotate-half; llama.cpp reads Qwen2/3 GGUF as NeoX (rotate-half) too.
        float[] expected = synthetic.ReferenceForward(tokens, RopeLayout.RotateHalf);

        using var device = new CpuDevice(threads: 2);
        using var model = ModelLoader.Load(path, device);
        using var state = new SequenceState(model, capacity: 16, maxBatch: 4);
        var logits = new float[tokens.Length * V];
        state.Forward(tokens, 0, logits);
        LlamaReferenceTests.AssertClose(expected, logits, Tolerance, $"{arch} {(gguf ? "gguf" : "hf")}");
    }

    [Theory]
    [InlineData(true, "blk.1.ffn_up.weight")]
    [InlineData(false, "model.layers.1.mlp.up_proj.weight")]
    public void MissingTensor_IsRefusedByName(bool gguf, string expectedName)
    {
        var model = SyntheticModel.Random("qwen3", Shape, seed: 1);
        model.Weights.Remove("blk.1.ffn_up.weight");
        using var dir = new TempDir();
        string path = Write(dir, model, gguf);
        using var device = new CpuDevice(threads: 1);
        var e = Assert.Throws<Meridian.Core.ModelFormatException>(() => ModelLoader.Load(path, device).Dispose());
        Assert.Contains($"required tensor '{expectedName}' is missing", e.Message);
    }

    private static string Write(TempDir dir, SyntheticModel model, bool gguf)
    {
        if (!gguf)
        {
            model.WriteHf(dir.Path);
            return dir.Path;
        }
        string path = dir.File("model.gguf");
        model.WriteGguf(path);
        return path;
    }
}
