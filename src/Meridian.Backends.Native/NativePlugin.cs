// One backend plugin library: loaded with NativeLibrary, its entry point called once, and its function table
// checked against the ABI this host speaks (native/include/meridian_backend.h) before anything else is called.
using System.Runtime.InteropServices;
using System.Text;
using Meridian.Backends.Native.Interop;
using Meridian.Core.Backends;

namespace Meridian.Backends.Native;

/// <summary>A loaded, checked plugin: its name, version, score and function table.</summary>
public sealed unsafe class NativePlugin
{
    private NativePlugin(string path, MbApi* api, string name, string version, int score)
    {
        Path = path;
        Api = api;
        Name = name;
        Version = version;
        Score = score;
        AbiVersion = new ContractVersion((int)api->AbiMajor, (int)api->AbiMinor);
    }

    /// <summary>The library's full path.</summary>
    public string Path { get; }

    /// <summary>The backend's name as the plugin states it ("reference-c").</summary>
    public string Name { get; }

    /// <summary>The plugin's own version text.</summary>
    public string Version { get; }

    /// <summary>meridian_backend_score() (1 when the plugin does not export it); 0 means no usable device here.</summary>
    public int Score { get; }

    /// <summary>The ABI version the plugin was built with (ABI 1.x implements backend contract 1.x).</summary>
    public ContractVersion AbiVersion { get; }

    internal MbApi* Api { get; }

    /// <summary>The ABI version of this host.</summary>
    public static ContractVersion HostAbiVersion => new((int)MbAbi.Major, (int)MbAbi.Minor);

    /// <summary>
    /// Loads the plugin at <paramref name="path"/> and checks it. Refused, with a <see cref="PluginLoadException"/> that
    /// names the file and the fault: no such file; not a loadable library; no meridian_backend_get_api export; no
    /// table for this host; another ABI major; a table smaller than the version it claims; a required function
    /// left NULL; a missing or malformed name.
    /// </summary>
    public static NativePlugin Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new PluginLoadException($"plugin '{path}': no such file");
        nint library;
        try
        {
            library = NativeLibrary.Load(full);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            throw new PluginLoadException($"plugin '{path}' is not a loadable shared library: {OneLine(e.Message)}");
        }
        try
        {
            return Check(path, full, library);
        }
        catch
        {
            NativeLibrary.Free(library);
            throw;
        }
    }

    private static NativePlugin Check(string path, string full, nint library)
    {
        if (!NativeLibrary.TryGetExport(library, MbAbi.GetApiSymbol, out nint getApi))
            throw new PluginLoadException(
                $"plugin '{path}' does not export {MbAbi.GetApiSymbol}, the entry point of every Meridian backend plugin (native/include/meridian_backend.h)");
        var api = ((delegate* unmanaged[Cdecl]<uint, uint, MbApi*>)getApi)(MbAbi.Major, MbAbi.Minor);
        if (api == null)
            throw new PluginLoadException($"plugin '{path}': {MbAbi.GetApiSymbol}({MbAbi.Major}, {MbAbi.Minor}) returned no function table for this host's ABI {HostAbiVersion}");

        // The version fields come first; a table too small to hold them is not a table.
        int versionEnd = sizeof(nuint) + sizeof(nint) + 2 * sizeof(uint);
        if ((long)api->StructSize < versionEnd)
            throw new PluginLoadException($"plugin '{path}': its function table says it is {api->StructSize} bytes, too small to hold even the ABI version");
        var claimed = new ContractVersion((int)api->AbiMajor, (int)api->AbiMinor);
        if (api->AbiMajor != MbAbi.Major)
            throw new PluginLoadException(
                $"plugin '{path}' implements backend ABI {claimed}, this Meridian speaks {HostAbiVersion}: a different major version is not compatible (rebuild the plugin against this Meridian's meridian_backend.h)");

        // Every function of the versions both sides know must be there. This host knows 1.0 (MbApi ends at
        // event_synchronize); a plugin claiming 1.x must have at least that much table.
        int required = MbApi.StructSize10;
        if ((long)api->StructSize < required)
            throw new PluginLoadException(
                $"plugin '{path}' claims backend ABI {claimed} but its function table is {api->StructSize} bytes; ABI 1.0's is {required} (mb_api up to event_synchronize)");
        foreach (var (name, pointer) in MbApi.Functions10(api))
        {
            if (pointer == 0)
                throw new PluginLoadException($"plugin '{path}' leaves {name} NULL in its function table; backend ABI {claimed} requires every function of 1.0");
        }

        string pluginName = api->Name == null ? "" : Marshal.PtrToStringUTF8((nint)api->Name) ?? "";
        if (pluginName.Length is 0 or > 64 || !pluginName.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            throw new PluginLoadException($"plugin '{path}' names itself '{pluginName}': a plugin's name is 1 to 64 lower-case letters, digits and '-'");
        string version = api->Version == null ? "" : Marshal.PtrToStringUTF8((nint)api->Version) ?? "";

        int score = 1;
        if (NativeLibrary.TryGetExport(library, MbAbi.ScoreSymbol, out nint scoreFn))
            score = ((delegate* unmanaged[Cdecl]<int>)scoreFn)();
        if (score < 0)
            throw new PluginLoadException($"plugin '{path}': {MbAbi.ScoreSymbol}() returned {score}; scores are 0 (no usable device here) or more");
        return new NativePlugin(full, api, pluginName, version, score);
    }

    /// <summary>A C string from the plugin (an error message), or <paramref name="fallback"/> when NULL or empty.</summary>
    internal static string Text(byte* text, string fallback)
    {
        if (text == null)
            return fallback;
        var s = Marshal.PtrToStringUTF8((nint)text);
        return string.IsNullOrEmpty(s) ? fallback : OneLine(s);
    }

    private static string OneLine(string s)
    {
        var b = new StringBuilder(s.Length);
        foreach (char c in s)
            b.Append(c is '\r' or '\n' ? ' ' : c);
        return b.ToString().Trim();
    }
}
