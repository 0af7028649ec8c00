// A model that does not fit its device: refused before any weight is uploaded, naming what it needs and what the
// device has.
namespace Meridian.Core.Backends;

/// <summary>The weights and KV cache a model needs exceed the device's memory.</summary>
public sealed class DeviceMemoryException(string message) : MeridianException(message);
