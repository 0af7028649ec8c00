// The version of the backend contract (IBackendProvider -> IDevice -> IComputeStream), modelled on
// ggml's registry -> device -> stream -> buffer levels at layer granularity (see docs DESIGN.md).
namespace Meridian.Core.Backends;

/// <summary>The contract version a backend is built against; a provider reporting another is refused.</summary>
public static class BackendContract
{
    /// <summary>Bumped whenever an op or a method is added, removed or changes meaning.</summary>
    public const int Version = 1;
}
