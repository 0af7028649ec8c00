// Host memory that holds the bytes of asynchronous writes until the context has synchronized past them (the
// caller's span may be gone the moment Write returns). A bump allocator over native blocks, reset after each sync.
using System.Runtime.InteropServices;

namespace Meridian.Backends.Native;

/// <summary>Native blocks handed out in order and all released together by <see cref="Reset"/>.</summary>
internal sealed unsafe class StagingArena : IDisposable
{
    private const int BlockBytes = 1 << 20;
    private readonly List<(nint Start, int Length)> _blocks = [];
    private int _block, _used;

    /// <summary>A copy of <paramref name="source"/> that stays valid until <see cref="Reset"/>.</summary>
    public byte* Copy(ReadOnlySpan<byte> source)
    {
        byte* p = Take(source.Length);
        source.CopyTo(new Span<byte>(p, source.Length));
        return p;
    }

    private byte* Take(int length)
    {
        length = (length + 63) & ~63;
        while (_block < _blocks.Count && _blocks[_block].Length - _used < length)
        {
            _block++;
            _used = 0;
        }
        if (_block == _blocks.Count)
        {
            int size = Math.Max(BlockBytes, length);
            _blocks.Add(((nint)NativeMemory.AlignedAlloc((nuint)size, 64), size));
            _used = 0;
        }
        byte* p = (byte*)_blocks[_block].Start + _used;
        _used += length;
        return p;
    }

    /// <summary>Every copy handed out so far may be overwritten.</summary>
    public void Reset()
    {
        _block = 0;
        _used = 0;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (start, _) in _blocks)
            NativeMemory.AlignedFree((void*)start);
        _blocks.Clear();
        Reset();
    }
}
