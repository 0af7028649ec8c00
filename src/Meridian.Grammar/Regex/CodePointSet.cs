// Sets of Unicode scalar values as sorted, disjoint ranges, and their lowering to byte-level expressions: each
// range is split until every piece is a sequence of byte ranges in UTF-8 (the method of Rust's utf8-ranges: cut at
// the encoding-length boundaries, then wherever the continuation bytes of lo and hi do not span their full range).
namespace Meridian.Grammar.Regex;

internal sealed class CodePointSet
{
    public const int MaxScalar = 0x10FFFF;

    private readonly List<(int Lo, int Hi)> _ranges;

    private CodePointSet(List<(int Lo, int Hi)> ranges) => _ranges = ranges;

    public static CodePointSet Empty => new([]);

    /// <summary>Every scalar value: 0..0x10FFFF without the surrogates.</summary>
    public static CodePointSet Any => Of((0, 0xD7FF), (0xE000, MaxScalar));

    public static CodePointSet Of(params (int Lo, int Hi)[] ranges) => Normalize(ranges);

    public static CodePointSet Single(int c) => Of((c, c));

    public IReadOnlyList<(int Lo, int Hi)> Ranges => _ranges;

    public bool IsEmpty => _ranges.Count == 0;

    public CodePointSet Union(CodePointSet other) => Normalize([.. _ranges, .. other._ranges]);

    /// <summary>Every scalar value not in this set (surrogates are never in a set).</summary>
    public CodePointSet Complement()
    {
        var result = new List<(int, int)>();
        int next = 0;
        foreach (var (lo, hi) in _ranges)
        {
            if (lo > next)
                result.Add((next, lo - 1));
            next = hi + 1;
        }
        if (next <= MaxScalar)
            result.Add((next, MaxScalar));
        return Normalize(result);
    }

    /// <summary>The set as one byte-level expression matching the UTF-8 encoding of any member.</summary>
    public int ToExpr(ExprSet exprs)
    {
        var alternatives = new List<int>();
        var pieces = new List<(byte Lo, byte Hi)[]>();
        foreach (var (lo, hi) in _ranges)
            Split(lo, hi, pieces);
        foreach (var seq in pieces)
        {
            var items = new int[seq.Length];
            for (int i = 0; i < seq.Length; i++)
                items[i] = exprs.Bytes(ByteSet.Range(seq[i].Lo, seq[i].Hi));
            alternatives.Add(exprs.Concat(items));
        }
        return exprs.Or(alternatives.ToArray());
    }

    // Sorted, merged, surrogates removed.
    private static CodePointSet Normalize(IEnumerable<(int Lo, int Hi)> ranges)
    {
        var list = new List<(int Lo, int Hi)>();
        foreach (var (lo, hi) in ranges)
        {
            int a = Math.Max(lo, 0), b = Math.Min(hi, MaxScalar);
            if (a > b)
                continue;
            if (a < 0xD800 && b > 0xDFFF)
            {
                list.Add((a, 0xD7FF));
                list.Add((0xE000, b));
            }
            else if (a >= 0xD800 && b <= 0xDFFF)
                continue;
            else if (a >= 0xD800 && a <= 0xDFFF)
                list.Add((0xE000, b));
            else if (b >= 0xD800 && b <= 0xDFFF)
                list.Add((a, 0xD7FF));
            else
                list.Add((a, b));
        }
        list.Sort();
        var merged = new List<(int Lo, int Hi)>();
        foreach (var r in list)
        {
            if (merged.Count > 0 && r.Lo <= merged[^1].Hi + 1)
                merged[^1] = (merged[^1].Lo, Math.Max(merged[^1].Hi, r.Hi));
            else
                merged.Add(r);
        }
        return new CodePointSet(merged);
    }

    private static readonly int[] LengthLimits = [0x7F, 0x7FF, 0xFFFF];

    private static void Split(int lo, int hi, List<(byte, byte)[]> into)
    {
        foreach (int limit in LengthLimits)
        {
            if (lo <= limit && hi > limit)
            {
                Split(lo, limit, into);
                Split(limit + 1, hi, into);
                return;
            }
        }
        if (hi <= 0x7F)
        {
            into.Add([((byte)lo, (byte)hi)]);
            return;
        }
        int n = Utf8Length(lo);
        for (int i = 1; i < n; i++)
        {
            int m = (1 << (6 * i)) - 1;
            if ((lo & ~m) != (hi & ~m))
            {
                if ((lo & m) != 0)
                {
                    Split(lo, lo | m, into);
                    Split((lo | m) + 1, hi, into);
                    return;
                }
                if ((hi & m) != m)
                {
                    Split(lo, (hi & ~m) - 1, into);
                    Split(hi & ~m, hi, into);
                    return;
                }
            }
        }
        Span<byte> a = stackalloc byte[4], b = stackalloc byte[4];
        Encode(lo, a);
        Encode(hi, b);
        var seq = new (byte, byte)[n];
        for (int i = 0; i < n; i++)
            seq[i] = (a[i], b[i]);
        into.Add(seq);
    }

    private static int Utf8Length(int c) => c <= 0x7F ? 1 : c <= 0x7FF ? 2 : c <= 0xFFFF ? 3 : 4;

    private static void Encode(int c, Span<byte> dst)
    {
        var rune = new System.Text.Rune(c);
        rune.EncodeToUtf8(dst);
    }
}
