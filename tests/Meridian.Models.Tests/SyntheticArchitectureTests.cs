// Synthetic random-weight models for the architecture flags no third-party fixture covers (Qwen3
// q/k norm, Qwen2 biases, Mistral naming), written with our GGUF and safetensors writers and run
// through the model against a plain scalar forward pass built from Core's ReferenceOps.
using System.Runtime.InteropServices;
using Meridian.Backends.Cpu;
using Meridian.Core.Backends;
using Meridian.Core.Ops;
using Meridian.Core.Tensors;
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
        float[] expected = ScalarForward(arch, synthetic.Weights, tokens);

        using var device = new CpuDevice(threads: 2);
        using var model = ModelLoader.Load(path, device);
        using var state = model.CreateState(capacity: 16, maxBatch: 4);
        var logits = new float[tokens.Length * V];
        model.Forward(state, tokens, 0, logits);
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

    // llama.cpp's view: Qwen2/3 use NeoX rope on the stored order; Llama/Mistral GGUF are interleaved.
    // HF checkpoints are always rotate-half.
    private static float[] ScalarForward(string arch, Dictionary<string, (int Rows, int Cols, float[] Data)> w, int[] tokens)
    {
        const float eps = SyntheticModel.RmsEps;
        int t = tokens.Length;
        var rope = new RopeSpec(Dh, 10000f, RopeLayout.RotateHalf);
        float[] Mm(string name, float[] x)
        {
            var (rows, cols, data) = w[name];
            var y = new float[t * rows];
            ReferenceOps.MatMulReference(DType.F32, MemoryMarshal.AsBytes(data.AsSpan()), rows, cols, x, y);
            return y;
        }
        float[] Norm(string name, float[] x)
        {
            var y = new float[x.Length];
            ReferenceOps.RmsNormReference(x, w[name].Data, eps, y);
            return y;
        }
        float[] AddTo(float[] a, float[] b)
        {
            var y = new float[a.Length];
            ReferenceOps.AddReference(a, b, y);
            return y;
        }
        var x = new float[t * D];
        for (int i = 0; i < t; i++)
            w["token_embd.weight"].Data.AsSpan(tokens[i] * D, D).CopyTo(x.AsSpan(i * D));
        int[] pos = Enumerable.Range(0, t).ToArray();
        for (int l = 0; l < L; l++)
        {
            string b = $"blk.{l}.";
            var h = Norm(b + "attn_norm.weight", x);
            float[] q = Mm(b + "attn_q.weight", h), k = Mm(b + "attn_k.weight", h), v = Mm(b + "attn_v.weight", h);
            if (arch == "qwen2")
            {
                q = AddTo(q, w[b + "attn_q.bias"].Data);
                k = AddTo(k, w[b + "attn_k.bias"].Data);
                v = AddTo(v, w[b + "attn_v.bias"].Data);
            }
            if (arch == "qwen3")
            {
                q = Norm(b + "attn_q_norm.weight", q);
                k = Norm(b + "attn_k_norm.weight", k);
            }
            ReferenceOps.RopeReference(q, pos, rope);
            ReferenceOps.RopeReference(k, pos, rope);
            var att = new float[t * H * Dh];
            ReferenceOps.AttentionReference(q, k, v, 0, H, Hkv, Dh, att);
            x = AddTo(x, Mm(b + "attn_output.weight", att));
            h = Norm(b + "ffn_norm.weight", x);
            float[] g = Mm(b + "ffn_gate.weight", h), u = Mm(b + "ffn_up.weight", h);
            ReferenceOps.SwiGluReference(g, u, g);
            x = AddTo(x, Mm(b + "ffn_down.weight", g));
        }
        return Mm("output.weight", Norm("output_norm.weight", x));
    }
}
