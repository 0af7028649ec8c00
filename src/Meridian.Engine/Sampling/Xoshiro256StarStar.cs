// Our own small deterministic RNG, so a seed gives the same tokens on every .NET version and OS.
// xoshiro256** 1.0 and splitmix64 by Blackman & Vigna, https://prng.di.unimi.it/ (public domain).
namespace Meridian.Engine.Sampling;

// System.Random(seed) was rejected: only its legacy seeded algorithm is frozen, and it is a
// subtractive generator with known weaknesses. This one is 4 ulongs of state and a few shifts.
internal struct Xoshiro256StarStar
{
    private ulong _s0, _s1, _s2, _s3;

    // The 256-bit state is filled from the 64-bit seed with splitmix64, as the authors recommend;
    // splitmix64 never yields four zero words, so the all-zero state is unreachable.
    public Xoshiro256StarStar(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    // Test hook: start from a raw state, to check against published vectors.
    internal static Xoshiro256StarStar FromState(ulong s0, ulong s1, ulong s2, ulong s3)
    {
        var rng = default(Xoshiro256StarStar);
        rng._s0 = s0;
        rng._s1 = s1;
        rng._s2 = s2;
        rng._s3 = s3;
        return rng;
    }

    public static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    // Uniform in [0, 1) with 53 random bits: the top 53 bits scaled by 2^-53.
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));
}
