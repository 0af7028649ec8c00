// The 13 metadata value types of the GGUF format, numbered as on disk
// (https://github.com/ggml-org/ggml/blob/master/docs/gguf.md, gguf_metadata_value_type).
namespace Meridian.Formats.Gguf;

/// <summary>Type tag of a GGUF metadata value; the numeric values are the on-disk ids.</summary>
public enum GgufValueType : uint
{
    /// <summary>8-bit unsigned integer.</summary>
    UInt8 = 0,
    /// <summary>8-bit signed integer.</summary>
    Int8 = 1,
    /// <summary>16-bit unsigned integer.</summary>
    UInt16 = 2,
    /// <summary>16-bit signed integer.</summary>
    Int16 = 3,
    /// <summary>32-bit unsigned integer.</summary>
    UInt32 = 4,
    /// <summary>32-bit signed integer.</summary>
    Int32 = 5,
    /// <summary>IEEE 754 binary32.</summary>
    Float32 = 6,
    /// <summary>One byte, 0 = false, 1 = true.</summary>
    Bool = 7,
    /// <summary>UTF-8 string with a length prefix, no terminator.</summary>
    String = 8,
    /// <summary>Array of values of one element type (which may itself be Array).</summary>
    Array = 9,
    /// <summary>64-bit unsigned integer.</summary>
    UInt64 = 10,
    /// <summary>64-bit signed integer.</summary>
    Int64 = 11,
    /// <summary>IEEE 754 binary64.</summary>
    Float64 = 12,
}
