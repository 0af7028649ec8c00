// DType traits against the ggml type table (block size, bytes per block).
using Meridian.Core;
using Meridian.Core.Tensors;

namespace Meridian.Core.Tests;

public class DTypeTests
{
    [Theory]
    // Hand-checked: Q4_0 = f16 scale + 16 bytes of nibbles for 32 values = 18 bytes.
    [InlineData(DType.Q4_0, 32, 18)]
    [InlineData(DType.Q4_K, 256, 144)]
    [InlineData(DType.Q6_K, 256, 210)]
    [InlineData(DType.BF16, 1, 2)]
    public void Info_KnownType_HasGgmlGeometry(DType type, int blockSize, int typeSize)
    {
        var info = type.Info();
        Assert.Equal(blockSize, info.BlockSize);
        Assert.Equal(typeSize, info.TypeSize);
    }

    [Fact]
    public void ByteSize_RemovedType_IsRefusedByName()
    {
        var ex = Assert.Throws<UnsupportedDTypeException>(() => DType.Q4_2.ByteSize(32));
        Assert.Contains("q4_2", ex.Message);
    }

    [Fact]
    public void ByteSize_Overflow_Throws()
    {
        Assert.Throws<OverflowException>(() => DType.F32.ByteSize(long.MaxValue));
    }
}
