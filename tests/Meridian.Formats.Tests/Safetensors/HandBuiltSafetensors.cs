// Test helper: writes safetensors files byte by byte from a JSON string, without our writer,
// so reader tests compare against bytes laid out by hand.
using System.Buffers.Binary;
using System.Text;
using Meridian.Tests.Shared;

namespace Meridian.Formats.Tests.Safetensors;

internal static class HandBuiltSafetensors
{
    /// <summary>u64 LE header length (or <paramref name="claimedLength"/>), the header bytes, then <paramref name="data"/>.</summary>
    public static byte[] Bytes(string headerJson, byte[] data, ulong? claimedLength = null) =>
        Bytes(Encoding.UTF8.GetBytes(headerJson), data, claimedLength);

    public static byte[] Bytes(byte[] header, byte[] data, ulong? claimedLength = null)
    {
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, claimedLength ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    /// <summary>Writes the file into a fresh temp directory and returns its path.</summary>
    public static string Write(TempDir dir, string headerJson, byte[] data, ulong? claimedLength = null, string name = "t.safetensors")
    {
        string path = Path.Combine(dir.Path, name);
        File.WriteAllBytes(path, Bytes(headerJson, data, claimedLength));
        return path;
    }
}
