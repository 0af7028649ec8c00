// The error for a metadata key a caller requires but the GGUF file does not have.
using Meridian.Core;

namespace Meridian.Formats.Gguf;

/// <summary>A required metadata key is missing; the message names the key and the file.</summary>
public class GgufKeyNotFoundException : ModelFormatException
{
    /// <summary>Creates the exception for <paramref name="key"/> missing from <paramref name="path"/>.</summary>
    public GgufKeyNotFoundException(string path, string key)
        : base($"{path}: required metadata key '{key}' is missing")
    {
        FilePath = path;
        Key = key;
    }

    /// <summary>The file that lacks the key.</summary>
    public string FilePath { get; }

    /// <summary>The missing key.</summary>
    public string Key { get; }
}
