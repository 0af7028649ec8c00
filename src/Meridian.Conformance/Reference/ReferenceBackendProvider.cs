// The reference device as a registry entry ("reference"), for `--device reference`: never chosen by "auto".
using Meridian.Core.Backends;

namespace Meridian.Conformance.Reference;

/// <summary>Provides one <see cref="ReferenceDevice"/>.</summary>
public sealed class ReferenceBackendProvider : IBackendProvider
{
    private readonly Lazy<ReferenceDevice> _device = new(() => new ReferenceDevice());

    /// <inheritdoc />
    public string Name => "reference";

    /// <inheritdoc />
    public ContractVersion ContractVersion => BackendContract.Version;

    /// <inheritdoc />
    public bool IsAvailable => true;

    /// <inheritdoc />
    public int Score => -100; // slow on purpose: only when named

    /// <inheritdoc />
    public IReadOnlyList<IDevice> Devices => [_device.Value];
}
