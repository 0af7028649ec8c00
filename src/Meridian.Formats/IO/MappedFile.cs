// A read-only memory map of a whole file, exposed as spans. Model weights are used in place
// from the map (DESIGN.md "Files and data"), so nothing here copies the file.
using System.IO.MemoryMappedFiles;
using Meridian.Core;

namespace Meridian.Formats.IO;

/// <summary>
/// Read-only memory map of one file. Spans handed out are valid until <see cref="Dispose"/>;
/// every range is bounds-checked against the file length first.
/// </summary>
public sealed unsafe class MappedFile : IDisposable
{
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private byte* _base;

    private MappedFile(string path, long length, MemoryMappedFile? map, MemoryMappedViewAccessor? view, byte* basePtr)
    {
        Path = path;
        Length = length;
        _map = map;
        _view = view;
        _base = basePtr;
    }

    /// <summary>The file's path as given.</summary>
    public string Path { get; }

    /// <summary>File length in bytes.</summary>
    public long Length { get; }

    /// <summary>Maps <paramref name="path"/> read-only. A missing file is a <see cref="FileNotFoundException"/>.</summary>
    public static MappedFile Open(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
            throw new FileNotFoundException($"no such file: {path}", path);
        long length = info.Length;
        if (length == 0)
            return new MappedFile(path, 0, null, null, null);

        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, mapName: null, 0, MemoryMappedFileAccess.Read);
        try
        {
            var view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* ptr = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref ptr);
            ptr += view.PointerOffset;
            return new MappedFile(path, length, map, view, ptr);
        }
        catch
        {
            map.Dispose();
            throw;
        }
    }

    /// <summary>The whole file, when it is under 2 GiB (headers are always read through this or <see cref="Span"/>).</summary>
    public ReadOnlySpan<byte> Span(long offset, long count)
    {
        CheckRange(offset, count);
        if (count > int.MaxValue)
            throw new ModelFormatException($"{Path}: a single {count}-byte range at offset {offset} is larger than 2 GiB; read it in parts");
        return count == 0 ? ReadOnlySpan<byte>.Empty : new ReadOnlySpan<byte>(_base + offset, (int)count);
    }

    /// <summary>Raw pointer to <paramref name="offset"/>, after checking that [offset, offset+count) lies inside the file.</summary>
    public byte* Pointer(long offset, long count)
    {
        CheckRange(offset, count);
        return _base + offset;
    }

    /// <summary>Throws <see cref="ModelFormatException"/> unless [offset, offset+count) lies inside the file.</summary>
    public void CheckRange(long offset, long count)
    {
        ObjectDisposedException.ThrowIf(_base == null && Length != 0, this);
        if (offset < 0 || count < 0 || offset > Length || count > Length - offset)
            throw new ModelFormatException($"{Path}: range of {count} bytes at offset {offset} is past the end of the file ({Length} bytes)");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_view != null && _base != null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _base = null;
        }
        _view?.Dispose();
        _map?.Dispose();
    }
}
