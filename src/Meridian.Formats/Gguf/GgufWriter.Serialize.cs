// The byte layout GgufWriter emits: header, metadata, tensor infos, zero padding to the
// alignment, then each tensor's data followed by zero padding (as ggml's gguf_write_out).
using System.Buffers.Binary;
using System.Text;

namespace Meridian.Formats.Gguf;

public sealed partial class GgufWriter
{
    /// <summary>
    /// Writes the file to <paramref name="path"/> through a temporary file in the same folder and
    /// an atomic rename, so a failed or interrupted write leaves nothing under <paramref name="path"/>.
    /// </summary>
    public void Write(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        string dir = System.IO.Path.GetDirectoryName(full)!;
        string tmp = System.IO.Path.Combine(dir, $".{System.IO.Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                WriteTo(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Writes the whole file to <paramref name="stream"/> from its current position (it need not seek).</summary>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var o = new CountingWriteStream(stream, long.MaxValue, "GGUF output");
        uint alignment = Alignment;
        U32(o, GgufHeaderParser.Magic);
        U32(o, 3);
        U64(o, (ulong)_tensors.Count);
        U64(o, (ulong)_metadata.Count);
        foreach (var entry in _metadata)
        {
            Str(o, entry.Key);
            U32(o, (uint)entry.Value.Type);
            Value(o, entry.Value);
        }
        foreach (var t in _tensors)
        {
            Str(o, t.Info.Name);
            U32(o, (uint)t.Info.Dimensions.Length);
            foreach (long d in t.Info.Dimensions)
                U64(o, (ulong)d);
            U32(o, (uint)t.Info.Type);
            U64(o, (ulong)t.Info.Offset);
        }
        Zeros(o, alignment);
        long dataStart = o.Written;
        foreach (var t in _tensors)
        {
            if (o.Written - dataStart != t.Info.Offset)
                throw new InvalidOperationException($"tensor '{t.Info.Name}' would land at data offset {o.Written - dataStart}, not {t.Info.Offset}");
            if (t.Producer is null)
            {
                o.Write(t.Data.Span);
            }
            else
            {
                var bounded = new CountingWriteStream(o, t.Info.ByteSize, $"tensor '{t.Info.Name}'");
                t.Producer(bounded);
                if (bounded.Written != t.Info.ByteSize)
                    throw new InvalidOperationException($"tensor '{t.Info.Name}': the data callback wrote {bounded.Written} bytes, expected {t.Info.ByteSize}");
            }
            Zeros(o, alignment);
        }
        o.Flush();
    }

    private static void Value(Stream o, GgufValue v)
    {
        switch (v.Type)
        {
            case GgufValueType.String:
                Str(o, v.AsString());
                break;
            case GgufValueType.Array:
                U32(o, (uint)v.ElementType!.Value);
                U64(o, (ulong)v.Length);
                switch (v.Reference)
                {
                    case string[] strings:
                        foreach (var s in strings)
                            Str(o, s);
                        break;
                    case GgufValue[] nested:
                        foreach (var inner in nested)
                            Value(o, inner);
                        break;
                    default:
                        o.Write(GgufValue.RawBytes((Array)v.Reference!)); // little-endian host (checked by the reader)
                        break;
                }
                break;
            default:
                Span<byte> b = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(b, v.Bits);
                o.Write(b[..GgufValue.FixedSize(v.Type)]);
                break;
        }
    }

    private static void Zeros(CountingWriteStream o, uint alignment)
    {
        long pad = (alignment - o.Written % alignment) % alignment;
        Span<byte> zeros = stackalloc byte[256];
        zeros.Clear();
        for (; pad > 0; pad -= Math.Min(pad, zeros.Length))
            o.Write(zeros[..(int)Math.Min(pad, zeros.Length)]);
    }

    private static void Str(Stream o, string s)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(s);
        U64(o, (ulong)bytes.Length);
        o.Write(bytes);
    }

    private static void U32(Stream o, uint v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        o.Write(b);
    }

    private static void U64(Stream o, ulong v)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, v);
        o.Write(b);
    }
}
