// A backend plugin library Meridian refuses to use, with the reason named (wrong ABI major, a missing entry
// point or function, a function table smaller than the version it claims, ...).
using Meridian.Core;

namespace Meridian.Backends.Native;

/// <summary>A plugin that cannot be loaded; the message names the file and what is wrong with it.</summary>
public sealed class PluginLoadException(string message) : MeridianException(message);
