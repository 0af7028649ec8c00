// Test helper: builds tiny llama2.c checkpoints byte by byte, with float i at float index i,
// so tests can check tensor offsets against arithmetic written in the test.
using System.Buffers.Binary;
using Meridian.Tests.Shared;

namespace Meridian.Formats.Tests.Llama2C;

internal static class TinyCheckpoint
{
    // dim 4, hidden 6, 1 layer, 2 heads, 1 kv head (kv_dim 2), vocab 3, seq 2 (head_size 2).
    public static readonly int[] Header = [4, 6, 1, 2, 1, 3, 2];

    // Legacy floats: emb 12, rms_att 4, wq 16, wk 8, wv 8, wo 16, rms_ffn 4, w1 24, w2 24, w3 24,
    // rms_final 4, freq_cis_real 2x1, freq_cis_imag 2x1 = 148 (+ wcls 12 when unshared).
    public const int LegacyFloats = 148;

    // Version 1 floats: the same minus the two freq_cis tables = 144 (+ wcls 12).
    public const int Version1Floats = 144;

    public static byte[] Legacy(int[] header, int floats)
    {
        var bytes = new byte[28 + 4 * floats];
        for (int i = 0; i < 7; i++)
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * i), header[i]);
        FillFloats(bytes.AsSpan(28), floats);
        return bytes;
    }

    public static byte[] Version1(int[] header, int floats, byte shared = 1, int version = 1)
    {
        var bytes = new byte[256 + 4 * floats];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, 0x616b3432);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), version);
        for (int i = 0; i < 7; i++)
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8 + 4 * i), header[i]);
        bytes[36] = shared;
        FillFloats(bytes.AsSpan(256), floats);
        return bytes;
    }

    private static void FillFloats(Span<byte> bytes, int floats)
    {
        for (int i = 0; i < floats; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes[(4 * i)..], i);
    }

    public static string Write(TempDir dir, byte[] bytes)
    {
        string path = dir.File("model.bin");
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
