// Top level of the backend contract: one per backend assembly (ggml's backend registry entry).
namespace Meridian.Core.Backends;

/// <summary>A backend implementation and the devices it exposes.</summary>
public interface IBackendProvider
{
    /// <summary>Short name ("cpu", "vulkan").</summary>
    string Name { get; }

    /// <summary>The <see cref="BackendContract.Version"/> this provider implements.</summary>
    int ContractVersion { get; }

    /// <summary>Whether the backend can run on this machine (drivers present, ...).</summary>
    bool IsAvailable { get; }

    /// <summary>Preference when several are available; higher wins.</summary>
    int Score { get; }

    /// <summary>The devices this backend drives; empty when unavailable.</summary>
    IReadOnlyList<IDevice> Devices { get; }
}
