// How FallbackComputeStream moves an op's tensors: each operand is registered with how the op uses it; an op
// run on the fallback gets every primary-resident operand as a view of one fallback scratch buffer (operands
// that overlap on the primary overlap the same way there, so in-place ops stay in place), inputs copied in
// and outputs copied back through a host staging array. Scratch and staging grow on demand and are reused.
using System.Runtime.InteropServices;
using Meridian.Core.Tensors;

namespace Meridian.Core.Backends;

internal sealed partial class FallbackComputeStream
{
    // Bytes per host transfer chunk: a whole KV cache layer moves in pieces of at most this.
    private const long MaxStagingBytes = 16 << 20;
    private const int ScratchAlignment = 64;
    private const long ScratchGranule = 64 << 10;

    private enum Access : byte
    {
        Read,
        Write,
        ReadWrite,
        Manual, // mapped into scratch, moved by the op itself (KV caches: only blocks or rows in use)
    }

    private struct Operand
    {
        public DeviceTensor Tensor; // as the caller passed it
        public DeviceTensor Mapped; // what the chosen stream gets
        public Access Access;
        public bool OnFallback;     // lives on the fallback device (a weight loaded there)
        public int Region;          // index into _regions when staged
    }

    // A byte range of one primary buffer covering operands that overlap, and where it sits in scratch.
    private struct Region
    {
        public IDeviceBuffer Buffer;
        public long Start, End, ScratchOffset;
    }

    private Operand[] _operands = new Operand[8];
    private int _operandCount;
    private Region[] _regions = new Region[8];
    private int _regionCount;
    private bool _staged; // the current op runs on the fallback
    private BackendOp _op;
    private DType _key;

    private IDeviceBuffer? _scratch; // on the fallback
    private byte[] _staging = [];    // host bytes of one transfer chunk
    private int[] _ints = [];        // host copies of i32 step inputs (scattered rows, attention metadata)
    private int[] _blockStamp = [];  // per KV block: the epoch it was last copied in
    private int _stampEpoch;

    private bool OnFallback(DeviceTensor t) => ReferenceEquals(t.Buffer.Device, _device.Fallback);

    private IComputeStream Owner(DeviceTensor t)
    {
        if (t.Buffer is null)
            throw new ArgumentException("a tensor without a buffer");
        return OnFallback(t) ? _fallback : _primary;
    }

    private void Begin()
    {
        _operandCount = 0;
        _staged = false;
    }

    private int Use(DeviceTensor t, Access access)
    {
        if (t.Buffer is null)
            throw new ArgumentException("a tensor without a buffer");
        if (_operandCount == _operands.Length)
            Array.Resize(ref _operands, _operands.Length * 2);
        _operands[_operandCount] = new Operand { Tensor = t, Mapped = t, Access = access, OnFallback = OnFallback(t) };
        return _operandCount++;
    }

    private DeviceTensor Arg(int i) => _operands[i].Mapped;

    // The stream an op keyed on `key` runs on: the fallback when the pair is routed or an operand lives there.
    private IComputeStream Target(BackendOp op, DType key)
    {
        bool onFallback = _device.IsRouted(op, key);
        for (int i = 0; i < _operandCount && !onFallback; i++)
        {
            if (_operands[i].OnFallback)
            {
                CheckFallbackRuns(op, key);
                onFallback = true;
            }
        }
        return Run(onFallback, op, key);
    }

    private void CheckFallbackRuns(BackendOp op, DType key)
    {
        if (!_device.Fallback.Supports(op, key))
            throw new UnsupportedOpException(
                $"{op.Name()} on {key.Name()}: an operand lives on the fallback {_device.Fallback.Name}, which does not support it");
    }

    private IComputeStream Run(bool onFallback, BackendOp op, DType key)
    {
        if (!onFallback)
            return _primary;
        Stage();
        _staged = true;
        _op = op;
        _key = key;
        return _fallback;
    }

    // Maps every primary-resident operand into scratch and copies the inputs in.
    private void Stage()
    {
        _regionCount = 0;
        for (int i = 0; i < _operandCount; i++)
        {
            ref var o = ref _operands[i];
            if (o.OnFallback)
                continue;
            if (_regionCount == _regions.Length)
                Array.Resize(ref _regions, _regions.Length * 2);
            o.Region = _regionCount++;
            _regions[o.Region] = new Region { Buffer = o.Tensor.Buffer, Start = o.Tensor.ByteOffset, End = o.Tensor.ByteOffset + o.Tensor.ByteLength };
        }
        MergeRegions();

        // Each region keeps its start's offset within 64 bytes, so views are aligned as on the primary.
        long cursor = 0;
        for (int r = 0; r < _regionCount; r++)
        {
            ref var region = ref _regions[r];
            region.ScratchOffset = (cursor + ScratchAlignment - 1) / ScratchAlignment * ScratchAlignment + (region.Start & (ScratchAlignment - 1));
            cursor = region.ScratchOffset + (region.End - region.Start);
        }
        EnsureScratch(cursor);

        for (int i = 0; i < _operandCount; i++)
        {
            ref var o = ref _operands[i];
            if (o.OnFallback)
                continue;
            ref var region = ref _regions[o.Region];
            o.Mapped = o.Tensor with { Buffer = _scratch!, ByteOffset = region.ScratchOffset + (o.Tensor.ByteOffset - region.Start) };
        }
        for (int i = 0; i < _operandCount; i++)
        {
            ref var o = ref _operands[i];
            if (!o.OnFallback && o.Access is Access.Read or Access.ReadWrite && !SameAsEarlier(i, reading: true))
                Transfer(o.Tensor, o.Mapped, toFallback: true);
        }
    }

    // Copies the outputs of an op run on the fallback back to the primary and counts the call.
    private void Finish(bool countCall = true)
    {
        if (!_staged)
            return;
        for (int i = 0; i < _operandCount; i++)
        {
            ref var o = ref _operands[i];
            if (!o.OnFallback && o.Access is Access.Write or Access.ReadWrite && !SameAsEarlier(i, reading: false))
                Transfer(o.Mapped, o.Tensor, toFallback: false);
        }
        if (countCall)
            _device.CountCalls(_op, _key, 1);
        _staged = false;
    }

    // Operands whose bytes overlap on the primary share one region, so they overlap the same way in scratch.
    private void MergeRegions()
    {
        for (int a = 0; a < _regionCount; a++)
        {
            ref var ra = ref _regions[a];
            for (int b = a + 1; b < _regionCount; b++)
            {
                ref var rb = ref _regions[b];
                if (!ReferenceEquals(ra.Buffer, rb.Buffer) || rb.Start >= ra.End || ra.Start >= rb.End)
                    continue;
                ra.Start = Math.Min(ra.Start, rb.Start);
                ra.End = Math.Max(ra.End, rb.End);
                int last = --_regionCount;
                _regions[b] = _regions[last];
                for (int i = 0; i < _operandCount; i++)
                {
                    ref var o = ref _operands[i];
                    if (o.OnFallback)
                        continue;
                    if (o.Region == b)
                        o.Region = a;
                    else if (o.Region == last)
                        o.Region = b;
                }
                a = -1; // start over: the grown region may now reach one already passed
                break;
            }
        }
    }

    // True when an earlier operand of the same direction names the same bytes (SwiGlu's dst = gate and the like).
    private bool SameAsEarlier(int i, bool reading)
    {
        ref var o = ref _operands[i];
        for (int j = 0; j < i; j++)
        {
            ref var p = ref _operands[j];
            bool sameDirection = reading
                ? p.Access is Access.Read or Access.ReadWrite
                : p.Access is Access.Write or Access.ReadWrite;
            if (sameDirection && !p.OnFallback && ReferenceEquals(p.Tensor.Buffer, o.Tensor.Buffer)
                && p.Tensor.ByteOffset == o.Tensor.ByteOffset && p.Tensor.ByteLength == o.Tensor.ByteLength)
                return true;
        }
        return false;
    }

    private void EnsureScratch(long bytes)
    {
        if (_scratch is not null && _scratch.ByteLength >= bytes)
            return;
        // Nothing queued on the fallback may still read the old buffer.
        _fallback.Synchronize();
        _scratch?.Dispose();
        _scratch = null;
        long size = Math.Max(1, (bytes + ScratchGranule - 1) / ScratchGranule) * ScratchGranule;
        _scratch = _device.Fallback.Allocate(size, BufferUsage.Scratch);
    }

    // src -> dst (same dtype and shape, one on each device) through host staging, a chunk of rows at a time.
    private void Transfer(DeviceTensor src, DeviceTensor dst, bool toFallback)
    {
        long bytes = src.ByteLength;
        if (bytes == 0)
            return;
        IComputeStream from = toFallback ? _primary : _fallback, to = toFallback ? _fallback : _primary;
        long rowBytes = src.RowBytes;
        if (rowBytes > Array.MaxLength)
            throw new NotSupportedException($"fallback: a {rowBytes}-byte row is more than one transfer holds");
        int rowsPerChunk = (int)Math.Clamp(MaxStagingBytes / rowBytes, 1, src.Rows);
        int chunkBytes = (int)(rowsPerChunk * rowBytes);
        if (_staging.Length < chunkBytes)
            _staging = GC.AllocateUninitializedArray<byte>(chunkBytes);
        for (int r = 0; r < src.Rows; r += rowsPerChunk)
        {
            int n = Math.Min(rowsPerChunk, src.Rows - r);
            var chunk = _staging.AsSpan(0, (int)(n * rowBytes));
            from.Read(src.SliceRows(r, n), chunk);
            to.Write(chunk, dst.SliceRows(r, n));
        }
        if (toFallback)
            _device.CountToFallback(bytes);
        else
            _device.CountFromFallback(bytes);
    }

    // The i32 values of t into _ints[offset..], read from whichever device holds t.
    private Span<int> ReadInts(DeviceTensor t, int offset)
    {
        if (t.Type != DType.I32)
            throw new ArgumentException($"fallback: expected an i32 tensor, got {t.Type.Name()} [{t.Rows}, {t.Cols}]");
        var values = _ints.AsSpan(offset, checked(t.Rows * t.Cols));
        Owner(t).Read(t, MemoryMarshal.AsBytes(values));
        return values;
    }

    private void EnsureInts(long count)
    {
        if (_ints.Length < count)
            _ints = new int[checked((int)count)];
    }

    // ScatterRows ran on the fallback into a scratch view of dst: the rows it wrote go back, runs of consecutive
    // rows in one transfer (a prefill's new tokens fill consecutive slots).
    private void CopyBackScatteredRows(int rowsOperand, int dstOperand)
    {
        ref var d = ref _operands[dstOperand];
        if (d.OnFallback)
            return;
        var rowsTensor = Arg(rowsOperand);
        EnsureInts((long)rowsTensor.Rows * rowsTensor.Cols);
        var rows = ReadInts(rowsTensor, 0);
        for (int i = 0; i < rows.Length;)
        {
            int j = i + 1;
            while (j < rows.Length && rows[j] == rows[j - 1] + 1)
                j++;
            int first = rows[i], count = j - i;
            // The op has checked every row is in range; this only keeps a bad one from reaching SliceRows.
            if (first >= 0 && first <= d.Tensor.Rows - count)
                Transfer(d.Mapped.SliceRows(first, count), d.Tensor.SliceRows(first, count), toFallback: false);
            i = j;
        }
    }

    // PagedAttention on the fallback reads only the cache rows of the blocks the batch's block tables name (its
    // positions 0 .. ContextLength - 1, whole blocks): those are copied in, each block once, runs of consecutive
    // blocks in one transfer. The rest of the scratch view is stale and never read.
    private void CopyReferencedBlocks(int keyOperand, int valueOperand, int sequencesOperand, int tablesOperand, int blockSize)
    {
        if ((_operands[keyOperand].OnFallback && _operands[valueOperand].OnFallback) || blockSize < 1)
            return; // nothing to move, or a block size the op itself refuses
        DeviceTensor seqTensor = Arg(sequencesOperand), tableTensor = Arg(tablesOperand);
        if (seqTensor.Cols != 4)
            throw new ArgumentException($"PagedAttention: sequences must be [S, 4] i32, got [{seqTensor.Rows}, {seqTensor.Cols}]");
        long seqInts = (long)seqTensor.Rows * 4, tableInts = (long)tableTensor.Rows * tableTensor.Cols;
        EnsureInts(seqInts + tableInts);
        var seqs = ReadInts(seqTensor, 0);
        var tables = ReadInts(tableTensor, (int)seqInts);

        long cacheRows = Math.Max(_operands[keyOperand].Tensor.Rows, _operands[valueOperand].Tensor.Rows);
        int blocks = (int)Math.Min(int.MaxValue, (cacheRows + blockSize - 1) / blockSize);
        if (_blockStamp.Length < blocks)
        {
            _blockStamp = new int[blocks];
            _stampEpoch = 0;
        }
        if (++_stampEpoch == int.MaxValue)
        {
            Array.Clear(_blockStamp);
            _stampEpoch = 1;
        }

        int runStart = 0, runEnd = 0; // blocks [runStart, runEnd) waiting to be copied
        for (int s = 0; s < seqs.Length; s += 4)
        {
            int queryCount = seqs[s + 1], startPos = seqs[s + 2], tableOffset = seqs[s + 3];
            if (queryCount < 0 || startPos < 0 || tableOffset < 0)
                continue; // the op refuses the batch
            long used = ((long)startPos + queryCount + blockSize - 1) / blockSize;
            for (long i = 0; i < used && tableOffset + i < tables.Length; i++)
            {
                int b = tables[(int)(tableOffset + i)];
                if ((uint)b >= (uint)blocks || _blockStamp[b] == _stampEpoch)
                    continue;
                _blockStamp[b] = _stampEpoch;
                if (b == runEnd && runEnd > runStart)
                {
                    runEnd++;
                    continue;
                }
                CopyBlocks(keyOperand, valueOperand, blockSize, runStart, runEnd);
                (runStart, runEnd) = (b, b + 1);
            }
        }
        CopyBlocks(keyOperand, valueOperand, blockSize, runStart, runEnd);
    }

    private void CopyBlocks(int keyOperand, int valueOperand, int blockSize, int firstBlock, int endBlock)
    {
        foreach (int i in (ReadOnlySpan<int>)[keyOperand, valueOperand])
        {
            ref var o = ref _operands[i];
            long first = (long)firstBlock * blockSize, end = Math.Min((long)endBlock * blockSize, o.Tensor.Rows);
            if (!o.OnFallback && first < end)
                Transfer(o.Tensor.SliceRows((int)first, (int)(end - first)), o.Mapped.SliceRows((int)first, (int)(end - first)), toFallback: true);
        }
    }
}
