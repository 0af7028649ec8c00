// The parameters of one paged-attention call: head layout, score scale, and the variants the model families need
// (Mistral v0.1's sliding window, Gemma 2's logit soft-capping, and since contract 1.1 GPT-OSS's attention sinks).
namespace Meridian.Core.Backends;

/// <summary>
/// Attention of H query heads over Hkv key/value heads of width Dh (head h reads kv head h / (H / Hkv)).
/// A query at position p sees key positions j with j ≤ p and, when <see cref="SlidingWindow"/> > 0,
/// p − j &lt; SlidingWindow (llama.cpp's LLAMA_SWA_TYPE_STANDARD). Scores are q·k · <see cref="Scale"/>, then,
/// when <see cref="Softcap"/> > 0, Softcap · tanh(score / Softcap), then softmax; with <see cref="Sinks"/>, head h's
/// softmax has one more term, exp(sinks[h]), in its denominator (a learned "attend to nothing" logit).
/// </summary>
public readonly record struct AttentionParams(int NumHeads, int NumKvHeads, int HeadDim, float Scale, int SlidingWindow = 0, float Softcap = 0f)
{
    /// <summary>[1, H] f32 per-head sink logits (GPT-OSS), or null. A device runs them where <see cref="IDevice.SupportsVariant"/>
    /// claims <see cref="SinksVariant"/> for <see cref="BackendOp.PagedAttention"/>. Contract 1.1.</summary>
    public DeviceTensor? Sinks { get; init; }

    /// <summary>The variant name of attention with sinks.</summary>
    public const string SinksVariant = "paged_attention.sinks";

    /// <summary>Plain causal attention with scale 1/sqrt(Dh).</summary>
    public static AttentionParams Causal(int numHeads, int numKvHeads, int headDim) =>
        new(numHeads, numKvHeads, headDim, 1f / MathF.Sqrt(headDim));

    /// <summary>The first key position a query at <paramref name="position"/> sees.</summary>
    public int FirstVisible(int position) => SlidingWindow > 0 ? Math.Max(0, position - SlidingWindow + 1) : 0;

    /// <summary>Checks the numbers are usable; the message names the field.</summary>
    public void Validate()
    {
        if (NumHeads < 1 || NumKvHeads < 1 || NumHeads % NumKvHeads != 0)
            throw new ArgumentException($"attention: {NumHeads} heads over {NumKvHeads} kv heads (kv heads must divide heads)");
        if (HeadDim < 1)
            throw new ArgumentException($"attention: head dim {HeadDim}");
        if (!(Scale > 0) || float.IsInfinity(Scale))
            throw new ArgumentException($"attention: scale {Scale} must be positive and finite");
        if (SlidingWindow < 0)
            throw new ArgumentException($"attention: sliding window {SlidingWindow} must be 0 (off) or positive");
        if (!(Softcap >= 0) || float.IsInfinity(Softcap))
            throw new ArgumentException($"attention: softcap {Softcap} must be 0 (off) or positive and finite");
    }
}
