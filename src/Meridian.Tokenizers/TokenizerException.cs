// The error for a tokenizer that cannot be built or used: a missing or malformed vocabulary
// field, an unknown model or pre-tokenizer name, an id outside the vocabulary.
namespace Meridian.Tokenizers;

/// <summary>
/// A tokenizer file or spec is unusable, or a call was given an id outside the vocabulary. The
/// message names the field, key or value at fault. Tokenizers is a leaf project, so this does not
/// derive from Meridian.Core's MeridianException; callers treat it as a user error all the same.
/// </summary>
public class TokenizerException : Exception
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public TokenizerException(string message) : base(message) { }

    /// <summary>Creates the exception with a user-facing message and its cause.</summary>
    public TokenizerException(string message, Exception inner) : base(message, inner) { }
}
