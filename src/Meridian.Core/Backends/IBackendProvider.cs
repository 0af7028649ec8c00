// Top level of the backend contract: one per backend (ggml's backend registry entry, a PJRT plugin).
namespace Meridian.Core.Backends;

/// <summary>A backend implementation and the devices it exposes.</summary>
public interface IBackendProvider
{
    /// <summary>Short name ("cpu", "vulkan"); devices are named NAME or NAME:INDEX on the command line.</summary>
    string Name { get; }

    /// <summary>The contract version this provider implements; <see cref="BackendContract.Check"/> judges it.</summary>
    ContractVersion ContractVersion { get; }

    /// <summary>Whether the backend can run on this machine (drivers present, ...).</summary>
    bool IsAvailable { get; }

    /// <summary>Preference when several are available; higher wins (a GPU over the CPU).</summary>
    int Score { get; }

    /// <summary>The devices this backend drives; empty when unavailable. Opening them may take time.</summary>
    IReadOnlyList<IDevice> Devices { get; }

    /// <summary>Why the backend is not available, naming what was looked for ("no Vulkan loader: looked for libvulkan.so.1"); null when it is.</summary>
    string? UnavailableReason => null;
}
