// The error for a GGUF file that is truncated, corrupt or hostile: names file, byte offset and what was being read.
using Meridian.Core;

namespace Meridian.Formats.Gguf;

/// <summary>
/// A GGUF file is malformed. <see cref="Exception.Message"/> names the file, the byte
/// offset and the key or tensor being read.
/// </summary>
public class GgufFormatException : ModelFormatException
{
    /// <summary>Creates the exception for <paramref name="path"/> at <paramref name="offset"/>.</summary>
    public GgufFormatException(string path, long offset, string message)
        : base($"{path}: at byte {offset}: {message}")
    {
        FilePath = path;
        Offset = offset;
    }

    /// <summary>The file at fault.</summary>
    public string FilePath { get; }

    /// <summary>Byte offset in the file where the fault was found.</summary>
    public long Offset { get; }
}
