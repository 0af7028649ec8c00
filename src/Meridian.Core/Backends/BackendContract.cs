// The version of the backend contract (IBackendProvider -> IDevice -> IComputeStream), versioned as OpenXLA's
// PJRT plugins are: a major that changes on any breaking change and a minor that counts additions.
// See ../shared/research/backend-abi.md and docs/backends.md.
namespace Meridian.Core.Backends;

/// <summary>A contract version: major (breaking changes) and minor (additions a host may use when present).</summary>
public readonly record struct ContractVersion(int Major, int Minor)
{
    /// <inheritdoc />
    public override string ToString() => $"{Major}.{Minor}";
}

/// <summary>The contract version this build of Meridian speaks, and the check every provider passes.</summary>
public static class BackendContract
{
    /// <summary>
    /// 1.0: one step (BeginStep/SubmitStep), per-step integers as i32 device tensors, weights by (memory or file,
    /// offset, length) of any size, F32/F16 KV caches, one paged attention op (scale, sliding window, softcap),
    /// every op declarable through <see cref="IDevice.Supports"/>.
    /// 1.1: the ops of the Gemma family, <see cref="BackendOp.GeGlu"/>, <see cref="BackendOp.Scale"/> and
    /// <see cref="BackendOp.Softcap"/>; mixture of experts, <see cref="BackendOp.MoeRoute"/> and
    /// <see cref="BackendOp.MoeFeedForward"/>; rope's partial rotation and attention factor (a variant). A device that does not run them answers Supports false, and a model that
    /// needs them runs them on the fallback device.
    /// </summary>
    public static readonly ContractVersion Version = new(1, 1);

    /// <summary>
    /// Refuses a provider built for another major version, naming both. A provider with a newer minor is accepted
    /// (it only adds what this host does not call); one with an older minor is accepted too, and the host uses
    /// nothing the provider's minor lacks.
    /// </summary>
    public static void Check(IBackendProvider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var v = provider.ContractVersion;
        if (v.Major != Version.Major)
            throw new BackendVersionException(
                $"backend '{provider.Name}' implements contract {v}, this Meridian speaks {Version}: a different major version is not compatible");
    }
}

/// <summary>A backend built against an incompatible contract version.</summary>
public sealed class BackendVersionException(string message) : MeridianException(message);
