// A backend that was found and not registered (a refused plugin), kept so `meridian devices` can say why.
namespace Meridian.Core.Backends;

/// <summary><paramref name="Source"/> (a plugin file) was not registered because of <paramref name="Reason"/>.</summary>
public sealed record SkippedBackend(string Source, string Reason);
