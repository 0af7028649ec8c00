// The error for a model file that is corrupt, truncated, hostile or not what it claims to be.
namespace Meridian.Core;

/// <summary>
/// A model file (GGUF, safetensors, llama2.c, config.json) is malformed. The message names
/// the file, and the key, tensor or byte offset at fault.
/// </summary>
public class ModelFormatException : MeridianException
{
    /// <summary>Creates the exception with a message naming what is wrong and where.</summary>
    public ModelFormatException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public ModelFormatException(string message, Exception inner) : base(message, inner) { }
}
