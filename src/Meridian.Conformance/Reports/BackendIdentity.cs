// Which build of which backend a conformance report is about: what a vendor's published report must pin down.
namespace Meridian.Conformance.Reports;

/// <summary>
/// The backend's name, the contract (or plugin ABI) version it implements, its own version (a plugin's version
/// string; Meridian's for the built-in backends) and, for a plugin, the library file that was loaded.
/// </summary>
public sealed record BackendIdentity(string Name, string Contract, string? Version, string? Library);
