// The scalar reference forward passes over a SyntheticModel's f32 weights (Core's ReferenceOps, no backend):
// the independent side the forward-pass tests compare every backend, dtype and batch shape against.
using System.Runtime.InteropServices;
using Meridian.Core.Backends;
using Meridian.Core.Ops;
using Meridian.Core.Quant;
using Meridian.Core.Tensors;

namespace Meridian.Models.Tests;

internal sealed partial class SyntheticModel
{
    /// <summary>
    /// Logits [T, V] of a plain scalar forward pass (Core's ReferenceOps, f32) over <see cref="Weights"/>,
    /// RoPE in <paramref name="layout"/>. With <paramref name="quantizeActivations"/>, each matmul's
    /// input rows are first rounded through int8 per 32-block (ActivationQuantReference) when the
    /// predicate says the backend does so for that weight (name, columns).
    /// </summary>
    public float[] ReferenceForward(int[] tokens, RopeLayout layout, Func<string, int, bool>? quantizeActivations = null)
    {
        if (IsGemma)
            return GemmaReferenceForward(tokens, quantizeActivations);
        if (Arch == "gpt-oss")
            return GptOssReferenceForward(tokens, quantizeActivations);
        // T = tokens, D = hidden, H = heads, Hkv = kv heads, Dh = head dim
        var s = Shape;
        var w = Arch == "phi3" ? SplitPhi3(Weights, s) : Weights;
        RouterGaps = [];
        int t = tokens.Length;
        // Phi-3: partial rotation, LongRoPE's long factors when the context (ContextLength, as llama.cpp is run) exceeds the original one.
        var factors = ShortFactors is null ? null : ContextLength > OriginalContext ? LongFactors : ShortFactors;
        var rope = new RopeSpec(s.Dh, RopeTheta, layout, factors, RotaryDim, AttnFactor);
        float[] Mm(string name, float[] x) => MatMul(w, name, x, quantizeActivations);
        float[] Norm(string name, float[] x) => RmsNorm(w, name, x);
        var x = new float[t * s.D];                                     // [T, D]
        for (int i = 0; i < t; i++)
            w["token_embd.weight"].Data.AsSpan(tokens[i] * s.D, s.D).CopyTo(x.AsSpan(i * s.D));
        int[] pos = Enumerable.Range(0, t).ToArray();
        for (int l = 0; l < s.L; l++)
        {
            string b = $"blk.{l}.";
            var h = Norm(b + "attn_norm.weight", x);
            float[] q = Mm(b + "attn_q.weight", h), k = Mm(b + "attn_k.weight", h), v = Mm(b + "attn_v.weight", h);
            if (Arch == "qwen2")
            {
                q = Add(q, w[b + "attn_q.bias"].Data);
                k = Add(k, w[b + "attn_k.bias"].Data);
                v = Add(v, w[b + "attn_v.bias"].Data);
            }
            if (Arch is "qwen3" or "qwen3moe" or "olmoe")
            {
                // per head (weights [Dh]) or, for OLMoE, over the whole of q and of k (weights as wide)
                q = Norm(b + "attn_q_norm.weight", q);
                k = Norm(b + "attn_k_norm.weight", k);
            }
            ReferenceOps.RopeReference(q, pos, rope);
            ReferenceOps.RopeReference(k, pos, rope);
            var att = new float[t * s.H * s.Dh];                        // [T, H·Dh]
            ReferenceOps.AttentionReference(q, k, v, 0, AttentionParams.Causal(s.H, s.Hkv, s.Dh) with { SlidingWindow = SlidingWindow }, att);
            x = Add(x, Mm(b + "attn_output.weight", att));
            h = Norm(b + "ffn_norm.weight", x);
            if (IsMoe)
            {
                x = Add(x, Experts(b, h));
                continue;
            }
            float[] g = Mm(b + "ffn_gate.weight", h), u = Mm(b + "ffn_up.weight", h);
            ReferenceOps.SwiGluReference(g, u, g);
            x = Add(x, Mm(b + "ffn_down.weight", g));
        }
        return Mm("output.weight", Norm("output_norm.weight", x));

        // Mixture of experts, written out from the Mixtral paper and transformers' MixtralSparseMoeBlock / OlmoeSparseMoeBlock:
        // router scores, softmax, the k most probable experts (their probabilities renormalised, except OLMoE's), and the
        // weighted sum of those experts' SwiGLU feed-forwards, token by token.
        float[] Experts(string b, float[] h)
        {
            var (experts, used) = MoeShape(Arch);
            var scores = Mm(b + "ffn_gate_inp.weight", h); // [T, E]
            if (RouterGaps.Length != t)
                RouterGaps = Enumerable.Repeat(float.PositiveInfinity, t).ToArray();
            for (int r = 0; r < t; r++)
            {
                var sorted = scores.AsSpan(r * experts, experts).ToArray().OrderDescending().ToArray();
                RouterGaps[r] = MathF.Min(RouterGaps[r], sorted[used - 1] - sorted[used]);
            }
            var ids = new int[t * used];
            var weights = new float[t * used];
            ReferenceOps.MoeRouteReference(scores, experts, used, renormalize: Arch != "olmoe", ids, weights);
            var y = new float[t * s.D];
            for (int r = 0; r < t; r++)
            {
                var row = h.AsSpan(r * s.D, s.D).ToArray();
                for (int j = 0; j < used; j++)
                {
                    int e = ids[r * used + j];
                    float[] g = MmRow(b + $"ffn_gate_exps.{e}.weight", row), u = MmRow(b + $"ffn_up_exps.{e}.weight", row);
                    ReferenceOps.SwiGluReference(g, u, g);
                    var down = MmRow(b + $"ffn_down_exps.{e}.weight", g);
                    for (int i = 0; i < s.D; i++)
                        y[r * s.D + i] += weights[r * used + j] * down[i];
                }
            }
            return y;
        }

        float[] MmRow(string name, float[] x) => MatMul(w, name, x, quantizeActivations);
    }

    /// <summary>
    /// GPT-OSS written out from its model card and transformers' GptOssDecoderLayer (not from Meridian's model): norm →
    /// q, k, v with biases → rotate-half RoPE (YaRN's divisors and attention factor, as ggml's rope_yarn) → attention
    /// with a window on even layers and per-head sinks in the softmax's denominator → output with bias → residual;
    /// norm → router with bias → the top k by score, weighted by a softmax over them → each expert's gate and up with
    /// biases, g = min(gate, 7), u = clamp(up, −7, 7), g·σ(1.702 g)·(u + 1), down with bias → residual.
    /// </summary>
    private float[] GptOssReferenceForward(int[] tokens, Func<string, int, bool>? quantizeActivations)
    {
        var s = Shape;
        var w = Weights;
        int t = tokens.Length;
        var (experts, used) = MoeShape(Arch);
        float[] Mm(string name, float[] x) => MatMul(w, name, x, quantizeActivations);
        float[] Norm(string name, float[] x) => RmsNorm(w, name, x);
        float[]? factors = null;
        float attnFactor = 1f;
        if (YarnFactor > 0)
            (factors, attnFactor) = Meridian.Models.GptOss.GptOssConfig.YarnFactors(s.Dh, RopeTheta, YarnFactor, OriginalContext, 32f, 1f);
        var rope = new RopeSpec(s.Dh, RopeTheta, RopeLayout.RotateHalf, factors, AttnFactor: attnFactor);
        var x = new float[t * s.D];
        for (int i = 0; i < t; i++)
            w["token_embd.weight"].Data.AsSpan(tokens[i] * s.D, s.D).CopyTo(x.AsSpan(i * s.D));
        int[] pos = Enumerable.Range(0, t).ToArray();
        RouterGaps = Enumerable.Repeat(float.PositiveInfinity, t).ToArray();
        for (int l = 0; l < s.L; l++)
        {
            string b = $"blk.{l}.";
            var h = Norm(b + "attn_norm.weight", x);
            float[] q = Add(Mm(b + "attn_q.weight", h), w[b + "attn_q.bias"].Data);
            float[] k = Add(Mm(b + "attn_k.weight", h), w[b + "attn_k.bias"].Data);
            float[] v = Add(Mm(b + "attn_v.weight", h), w[b + "attn_v.bias"].Data);
            ReferenceOps.RopeReference(q, pos, rope);
            ReferenceOps.RopeReference(k, pos, rope);
            var att = new float[t * s.H * s.Dh];
            var p = AttentionParams.Causal(s.H, s.Hkv, s.Dh) with { SlidingWindow = l % 2 == 0 ? SlidingWindow : 0 };
            ReferenceOps.AttentionReference(q, k, v, 0, p, att, w[b + "attn_sinks.weight"].Data);
            x = Add(x, Add(Mm(b + "attn_output.weight", att), w[b + "attn_output.bias"].Data));

            h = Norm(b + "post_attention_norm.weight", x);
            var scores = Add(Mm(b + "ffn_gate_inp.weight", h), w[b + "ffn_gate_inp.bias"].Data); // [T, E]
            var ids = new int[t * used];
            var weights = new float[t * used];
            ReferenceOps.MoeRouteReference(scores, experts, used, renormalize: true, ids, weights);
            var y = new float[t * s.D];
            for (int r = 0; r < t; r++)
            {
                var sorted = scores.AsSpan(r * experts, experts).ToArray().OrderDescending().ToArray();
                RouterGaps[r] = MathF.Min(RouterGaps[r], sorted[used - 1] - sorted[used]);
                var row = h.AsSpan(r * s.D, s.D).ToArray();
                for (int j = 0; j < used; j++)
                {
                    int e = ids[r * used + j];
                    float[] g = Mm(b + $"ffn_gate_exps.{e}.weight", row), u = Mm(b + $"ffn_up_exps.{e}.weight", row);
                    for (int i = 0; i < s.F; i++)
                    {
                        g[i] += w[b + "ffn_gate_exps.bias"].Data[e * s.F + i];
                        u[i] += w[b + "ffn_up_exps.bias"].Data[e * s.F + i];
                    }
                    ReferenceOps.SwiGluOaiReference(g, u, g);
                    var down = Mm(b + $"ffn_down_exps.{e}.weight", g);
                    for (int i = 0; i < s.D; i++)
                        y[r * s.D + i] += weights[r * used + j] * (down[i] + w[b + "ffn_down_exps.bias"].Data[e * s.D + i]);
                }
            }
            x = Add(x, y);
        }
        return Mm("output.weight", Norm("output_norm.weight", x));
    }

    // Phi-3's fused matrices cut into the Llama names: attn_qkv rows → Q, K, V; ffn_up rows → gate (first half), up.
    private static Dictionary<string, (int Rows, int Cols, float[] Data)> SplitPhi3(Dictionary<string, (int Rows, int Cols, float[] Data)> weights, SyntheticShape s)
    {
        var w = new Dictionary<string, (int Rows, int Cols, float[] Data)>(weights);
        int q = s.H * s.Dh, kv = s.Hkv * s.Dh;
        (int, int, float[]) Rows((int Rows, int Cols, float[] Data) m, int first, int count) => (count, m.Cols, m.Data.AsSpan(first * m.Cols, count * m.Cols).ToArray());
        for (int l = 0; l < s.L; l++)
        {
            string b = $"blk.{l}.";
            var qkv = weights[b + "attn_qkv.weight"];
            w[b + "attn_q.weight"] = Rows(qkv, 0, q);
            w[b + "attn_k.weight"] = Rows(qkv, q, kv);
            w[b + "attn_v.weight"] = Rows(qkv, q + kv, kv);
            var up = weights[b + "ffn_up.weight"];
            w[b + "ffn_gate.weight"] = Rows(up, 0, s.F);
            w[b + "ffn_up.weight"] = Rows(up, s.F, s.F);
        }
        return w;
    }

    /// <summary>
    /// Gemma's forward pass written out from the papers and transformers' Gemma2/Gemma3 modeling (not from Meridian's
    /// model): embeddings · sqrt(D); per layer norm → q, k, v → (Gemma 3) per-head q/k norms → rotate-half RoPE with
    /// the local base on sliding layers and the global one (and its linear scaling) elsewhere → attention with scale
    /// 1/sqrt(Dh), window and soft-cap → output → post-attention norm → residual; norm → GeGLU → post-ffw norm →
    /// residual; final norm, the tied output product, final soft-cap. Norm weights are the GGUF's (1 + w).
    /// </summary>
    private float[] GemmaReferenceForward(int[] tokens, Func<string, int, bool>? quantizeActivations)
    {
        var s = Shape;
        var w = Weights;
        int t = tokens.Length;
        float[] Mm(string name, float[] x) => MatMul(w, name, x, quantizeActivations);
        float[] Norm(string name, float[] x) => RmsNorm(w, name, x);
        var x = new float[t * s.D];
        float embedScale = MathF.Sqrt(s.D);
        for (int i = 0; i < t; i++)
        {
            for (int j = 0; j < s.D; j++)
                x[i * s.D + j] = w["token_embd.weight"].Data[tokens[i] * s.D + j] * embedScale;
        }
        int[] pos = Enumerable.Range(0, t).ToArray();
        for (int l = 0; l < s.L; l++)
        {
            string b = $"blk.{l}.";
            bool slides = Slides(l);
            var rope = slides ? new RopeSpec(s.Dh, RopeTheta, RopeLayout.RotateHalf)
                : new RopeSpec(s.Dh, GlobalRopeTheta, RopeLayout.RotateHalf, RopeLinearFactor == 1f ? null : Enumerable.Repeat(RopeLinearFactor, s.Dh / 2).ToArray());
            var h = Norm(b + "attn_norm.weight", x);
            float[] q = Mm(b + "attn_q.weight", h), k = Mm(b + "attn_k.weight", h), v = Mm(b + "attn_v.weight", h);
            if (Arch == "gemma3")
            {
                q = Norm(b + "attn_q_norm.weight", q);
                k = Norm(b + "attn_k_norm.weight", k);
            }
            ReferenceOps.RopeReference(q, pos, rope);
            ReferenceOps.RopeReference(k, pos, rope);
            var att = new float[t * s.H * s.Dh];
            var p = new AttentionParams(s.H, s.Hkv, s.Dh, 1f / MathF.Sqrt(s.Dh), slides ? SlidingWindow : 0, AttnSoftcap);
            ReferenceOps.AttentionReference(q, k, v, 0, p, att);
            x = Add(x, Norm(b + "post_attention_norm.weight", Mm(b + "attn_output.weight", att)));
            h = Norm(b + "ffn_norm.weight", x);
            float[] g = Mm(b + "ffn_gate.weight", h), u = Mm(b + "ffn_up.weight", h);
            ReferenceOps.GeGluReference(g, u, g);
            x = Add(x, Norm(b + "post_ffw_norm.weight", Mm(b + "ffn_down.weight", g)));
        }
        var logits = Mm("token_embd.weight", Norm("output_norm.weight", x));
        if (FinalSoftcap > 0)
            ReferenceOps.SoftcapReference(logits, FinalSoftcap, logits);
        return logits;
    }

    // The reference forward passes' steps: x [R, cols] through matrix `name` (its input rounded through int8 first where
    // the backend does so), RMSNorm with weight `name`, and a sum (b may be one row, broadcast).
    private static float[] MatMul(Dictionary<string, (int Rows, int Cols, float[] Data)> w, string name, float[] x, Func<string, int, bool>? quantizeActivations)
    {
        var (rows, cols, data) = w[name];
        var y = new float[x.Length / cols * rows];
        if (quantizeActivations?.Invoke(name, cols) == true)
            x = RoundThroughInt8(x, cols);
        ReferenceOps.MatMulReference(DType.F32, MemoryMarshal.AsBytes(data.AsSpan()), rows, cols, x, y);
        return y;
    }

    private static float[] RmsNorm(Dictionary<string, (int Rows, int Cols, float[] Data)> w, string name, float[] x)
    {
        var y = new float[x.Length];
        ReferenceOps.RmsNormReference(x, w[name].Data, RmsEps, y);
        return y;
    }

    private static float[] Add(float[] a, float[] b)
    {
        var y = new float[a.Length];
        ReferenceOps.AddReference(a, b, y);
        return y;
    }

    // x: [R, cols] f32 → the values int8 codes per 32-block stand for (what an int8 kernel multiplies).
    private static float[] RoundThroughInt8(float[] x, int cols)
    {
        var y = new float[x.Length];
        var qs = new sbyte[cols];
        var d = new float[cols / 32];
        var sums = new int[cols / 32];
        for (int r = 0; r < x.Length / cols; r++)
        {
            ActivationQuantReference.Quantize(x.AsSpan(r * cols, cols), 32, 32, qs, d, sums);
            ActivationQuantReference.Dequantize(qs, d, 32, y.AsSpan(r * cols, cols));
        }
        return y;
    }
}
