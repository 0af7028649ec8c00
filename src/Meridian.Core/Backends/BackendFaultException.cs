// A device reported that work failed (an error status from a plugin, a lost GPU): a clear error for the user
// (a one-line message in the CLI, a 503 engine_error in the server), never a crash of the host.
namespace Meridian.Core.Backends;

/// <summary>A backend's device failed to run queued work, or refused it; the message names the device and the op.</summary>
public sealed class BackendFaultException(string message) : MeridianException(message);
