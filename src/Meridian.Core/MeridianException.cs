// Base of every error Meridian raises on purpose, so callers (CLI, server, fuzz tests) can
// tell a named, expected failure from a bug.
namespace Meridian.Core;

/// <summary>Base type for errors Meridian reports deliberately, with a message meant for users.</summary>
public class MeridianException : Exception
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public MeridianException(string message) : base(message) { }

    /// <summary>Creates the exception with a user-facing message and its cause.</summary>
    public MeridianException(string message, Exception inner) : base(message, inner) { }
}
