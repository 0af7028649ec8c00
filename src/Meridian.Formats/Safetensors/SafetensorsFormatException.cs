// The error for a safetensors file, directory or index that is malformed or hostile.
namespace Meridian.Formats.Safetensors;

/// <summary>
/// A safetensors file (or sharded index) is malformed. The message names the file and, where
/// known, the tensor and the absolute byte offset at fault; they are also properties.
/// </summary>
public sealed class SafetensorsFormatException : Meridian.Core.ModelFormatException
{
    /// <summary>Creates the exception; the message is built from the parts.</summary>
    /// <param name="filePath">The file (or directory) at fault.</param>
    /// <param name="detail">What is wrong.</param>
    /// <param name="tensorName">The tensor at fault, if any.</param>
    /// <param name="byteOffset">Absolute byte offset in the file, if known.</param>
    /// <param name="inner">The underlying error, if any (null is allowed).</param>
    public SafetensorsFormatException(string filePath, string detail, string? tensorName = null, long? byteOffset = null, Exception? inner = null)
        : base(Format(filePath, detail, tensorName, byteOffset), inner!)
    {
        FilePath = filePath;
        TensorName = tensorName;
        ByteOffset = byteOffset;
    }

    /// <summary>The file (or directory) at fault.</summary>
    public string FilePath { get; }

    /// <summary>The tensor at fault, or null when the fault is not about one tensor.</summary>
    public string? TensorName { get; }

    /// <summary>Absolute byte offset in the file, or null when not known.</summary>
    public long? ByteOffset { get; }

    private static string Format(string filePath, string detail, string? tensorName, long? byteOffset)
    {
        string where = filePath;
        if (tensorName != null)
            where += $": tensor '{tensorName}'";
        if (byteOffset is long offset)
            where += $" (byte {offset})";
        return $"{where}: {detail}";
    }
}
