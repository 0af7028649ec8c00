// The error for a tensor type Meridian recognises (or not) but cannot decode or encode.
namespace Meridian.Core;

/// <summary>A tensor type that Meridian cannot decode or encode; the message names the type.</summary>
public class UnsupportedDTypeException : MeridianException
{
    /// <summary>Creates the exception with a message naming the type.</summary>
    public UnsupportedDTypeException(string message) : base(message) { }
}
