// RoPE (https://arxiv.org/abs/2104.09864; ReferenceOps.RopeReference is the oracle) for both pairings.
// Frequencies follow ggml's rope: the angle for pair i is pos · θ^(-2i/R) / factor[i], in f32 as ggml, over
// the first R (rotary) dimensions of each head; cos and sin carry the spec's attention factor.
// cos/sin are tabulated once per set of positions and kept: a forward pass rotates q and k of every
// layer at the same positions, so all but the first call of a step reuse the table.
using System.Diagnostics;
using System.Runtime.Intrinsics;
using Meridian.Core.Backends;

namespace Meridian.Backends.Cpu;

/// <summary>Rotates every head of x in place; a job over tokens so long prompts split over the pool.</summary>
internal sealed unsafe class RopeJob : IParallelJob
{
    // Per token, laid out so every element j is out[j] = x[j] · C[j] + x[partner(j)] · S[j]:
    // interleaved, partner(2i) = 2i+1 and C = (c0, c0, c1, c1, ...), S = (-s0, s0, -s1, s1, ...);
    // rotate-half, partner(i) = i ± Dh/2 and C = (c0..c_{h-1}, c0..c_{h-1}), S = (-s0..-s_{h-1}, s0..s_{h-1}).
    private float[] _cos = [], _sin = []; // [T, R] f32
    private int[] _positions = [];         // the positions the table holds, [T]
    private int _count = -1;
    private RopeSpec? _spec;               // the spec the table was built for (record equality)
    private float* _x;                     // [T, H·Dh] f32
    private int _width;

    /// <summary>Sets up one call, rebuilding the table unless it already holds these positions for this spec.</summary>
    public void Set(float* x, int width, ReadOnlySpan<int> positions, RopeSpec spec)
    {
        _x = x;
        _width = width;
        if (_count == positions.Length && spec.Equals(_spec) && positions.SequenceEqual(_positions.AsSpan(0, _count)))
            return;
        int dh = spec.RotaryDims, half = dh / 2, t = positions.Length;
        float m = spec.AttnFactor;
        if (_cos.Length < t * dh)
        {
            _cos = new float[t * dh]; // grows to the longest batch once; decoding reuses it
            _sin = new float[t * dh];
        }
        if (_positions.Length < t)
            _positions = new int[t];
        Span<float> freq = half <= 512 ? stackalloc float[half] : new float[half];
        for (int i = 0; i < half; i++)
        {
            freq[i] = MathF.Pow(spec.Theta, -2f * i / dh);
            if (spec.FreqFactors != null)
                freq[i] /= spec.FreqFactors[i];
        }
        bool interleaved = spec.Layout == RopeLayout.Interleaved;
        for (int p = 0; p < t; p++)
        {
            var c = _cos.AsSpan(p * dh, dh);
            var s = _sin.AsSpan(p * dh, dh);
            for (int i = 0; i < half; i++)
            {
                float angle = positions[p] * freq[i];
                float cos = MathF.Cos(angle), sin = MathF.Sin(angle);
                if (m != 1f)
                    (cos, sin) = (cos * m, sin * m);
                int a = interleaved ? 2 * i : i, b = interleaved ? 2 * i + 1 : i + half;
                (c[a], c[b], s[a], s[b]) = (cos, cos, -sin, sin);
            }
        }
        positions.CopyTo(_positions);
        _count = t;
        _spec = spec;
    }

    public void Run(int start, int end, int worker)
    {
        Debug.Assert(_spec != null);
        int dh = _spec.HeadDim, rot = _spec.RotaryDims;
        fixed (float* cos = _cos, sin = _sin)
        {
            for (int t = start; t < end; t++)
            {
                float* c = cos + (long)t * rot, s = sin + (long)t * rot;
                for (int h = 0; h < _width / dh; h++)
                {
                    float* head = _x + (long)t * _width + h * dh;
                    if (_spec.Layout == RopeLayout.Interleaved)
                        Interleaved(head, c, s, rot);
                    else
                        RotateHalf(head, c, s, rot / 2);
                }
            }
        }
    }

    // Pairs (2i, 2i+1): the partner vector swaps neighbours. x0·c + x1·(-s) and x1·c + x0·s round exactly
    // as the reference's x0·c - x1·s and x0·s + x1·c (plain multiplies and adds, no fused multiply-add).
    private static void Interleaved(float* x, float* c, float* s, int dh)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var swap = Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6);
            for (; j + Vector256<float>.Count <= dh; j += Vector256<float>.Count)
            {
                var v = Vector256.Load(x + j);
                (v * Vector256.Load(c + j) + Vector256.Shuffle(v, swap) * Vector256.Load(s + j)).Store(x + j);
            }
        }
        if (Vector128.IsHardwareAccelerated)
        {
            var swap = Vector128.Create(1, 0, 3, 2);
            for (; j + Vector128<float>.Count <= dh; j += Vector128<float>.Count)
            {
                var v = Vector128.Load(x + j);
                (v * Vector128.Load(c + j) + Vector128.Shuffle(v, swap) * Vector128.Load(s + j)).Store(x + j);
            }
        }
        for (; j < dh; j += 2)
        {
            float x0 = x[j], x1 = x[j + 1];
            x[j] = x0 * c[j] + x1 * s[j];
            x[j + 1] = x1 * c[j + 1] + x0 * s[j + 1];
        }
    }

    // Pairs (i, i + half): both halves load contiguously, no shuffle.
    private static void RotateHalf(float* x, float* c, float* s, int half)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + Vector256<float>.Count <= half; i += Vector256<float>.Count)
            {
                var a = Vector256.Load(x + i);
                var b = Vector256.Load(x + half + i);
                (a * Vector256.Load(c + i) + b * Vector256.Load(s + i)).Store(x + i);
                (b * Vector256.Load(c + half + i) + a * Vector256.Load(s + half + i)).Store(x + half + i);
            }
        }
        if (Vector128.IsHardwareAccelerated)
        {
            for (; i + Vector128<float>.Count <= half; i += Vector128<float>.Count)
            {
                var a = Vector128.Load(x + i);
                var b = Vector128.Load(x + half + i);
                (a * Vector128.Load(c + i) + b * Vector128.Load(s + i)).Store(x + i);
                (b * Vector128.Load(c + half + i) + a * Vector128.Load(s + half + i)).Store(x + half + i);
            }
        }
        for (; i < half; i++)
        {
            float a = x[i], b = x[half + i];
            x[i] = a * c[i] + b * s[i];
            x[half + i] = b * c[half + i] + a * s[half + i];
        }
    }
}
