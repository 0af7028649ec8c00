// Seeded byte-level mutations of a model file (bit flips, interesting integers, truncation,
// chunk insert/delete/copy), biased towards the header where parsers make their decisions.
using System.Buffers.Binary;

namespace Meridian.Formats.Tests.Fuzz;

internal static class FileMutator
{
    // Values that break size arithmetic: zero, one, sign bits, all-ones, just past int/uint.
    private static readonly ulong[] Interesting =
    [
        0, 1, 2, 3, 4, 7, 8, 31, 32, 63, 64, 255, 256, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF,
        0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000, 0x7FFF_FFFF_FFFF_FFFF,
        0x8000_0000_0000_0000, ulong.MaxValue, ulong.MaxValue - 1, 1UL << 40, 1UL << 62,
    ];

    /// <summary>
    /// Returns a mutated copy of <paramref name="original"/> and a description of what was done.
    /// <paramref name="headerLength"/> bounds where most mutations land.
    /// </summary>
    public static (byte[] Bytes, string Description) Mutate(byte[] original, int headerLength, Random rng)
    {
        var bytes = new List<byte>(original);
        var what = new List<string>();
        int ops = 1 + rng.Next(4);
        for (int op = 0; op < ops && bytes.Count > 0; op++)
        {
            int hdr = Math.Clamp(headerLength, 1, bytes.Count);
            int at = rng.Next(10) < 9 ? rng.Next(hdr) : rng.Next(bytes.Count);
            switch (rng.Next(8))
            {
                case 0:
                case 1:
                {
                    int bit = rng.Next(8);
                    bytes[at] ^= (byte)(1 << bit);
                    what.Add($"flip bit {bit} at {at}");
                    break;
                }
                case 2:
                case 3:
                {
                    int width = 1 << rng.Next(4); // 1, 2, 4 or 8 bytes
                    ulong value = Interesting[rng.Next(Interesting.Length)];
                    if (rng.Next(4) == 0) value = (ulong)rng.NextInt64();
                    Span<byte> le = stackalloc byte[8];
                    BinaryPrimitives.WriteUInt64LittleEndian(le, value);
                    for (int i = 0; i < width && at + i < bytes.Count; i++)
                        bytes[at + i] = le[i];
                    what.Add($"write u{width * 8} 0x{value:X} at {at}");
                    break;
                }
                case 4:
                {
                    int keep = rng.Next(2) == 0 ? rng.Next(hdr + 1) : rng.Next(bytes.Count + 1);
                    bytes.RemoveRange(keep, bytes.Count - keep);
                    what.Add($"truncate to {keep}");
                    break;
                }
                case 5:
                {
                    int count = Math.Min(1 + rng.Next(16), bytes.Count - at);
                    bytes.RemoveRange(at, count);
                    what.Add($"delete {count} at {at}");
                    break;
                }
                case 6:
                {
                    var chunk = new byte[1 + rng.Next(16)];
                    rng.NextBytes(chunk);
                    bytes.InsertRange(at, chunk);
                    what.Add($"insert {chunk.Length} random at {at}");
                    break;
                }
                default:
                {
                    int from = rng.Next(hdr);
                    int count = Math.Min(1 + rng.Next(64), bytes.Count - from);
                    var chunk = bytes.GetRange(from, count);
                    int to = rng.Next(hdr);
                    for (int i = 0; i < chunk.Count && to + i < bytes.Count; i++)
                        bytes[to + i] = chunk[i];
                    what.Add($"copy {count} from {from} to {to}");
                    break;
                }
            }
        }
        return (bytes.ToArray(), string.Join("; ", what));
    }
}
