// A set of bytes as four 64-bit words: the alphabet of the byte-level expressions (UTF-8 is lowered to bytes once,
// when a pattern is parsed, so every derivative step consumes exactly one byte).
namespace Meridian.Grammar.Regex;

internal readonly record struct ByteSet(ulong W0, ulong W1, ulong W2, ulong W3)
{
    public static ByteSet Range(int lo, int hi)
    {
        ulong w0 = 0, w1 = 0, w2 = 0, w3 = 0;
        for (int b = lo; b <= hi; b++)
        {
            switch (b >> 6)
            {
                case 0: w0 |= 1UL << (b & 63); break;
                case 1: w1 |= 1UL << (b & 63); break;
                case 2: w2 |= 1UL << (b & 63); break;
                default: w3 |= 1UL << (b & 63); break;
            }
        }
        return new ByteSet(w0, w1, w2, w3);
    }

    public bool Contains(byte b) => ((b >> 6) switch { 0 => W0, 1 => W1, 2 => W2, _ => W3 } & (1UL << (b & 63))) != 0;

    public bool IsEmpty => (W0 | W1 | W2 | W3) == 0;

    public ByteSet Union(ByteSet o) => new(W0 | o.W0, W1 | o.W1, W2 | o.W2, W3 | o.W3);
}
