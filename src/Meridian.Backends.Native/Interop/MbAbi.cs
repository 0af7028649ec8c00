// The version and fixed sizes of the C ABI this host was built against (native/include/meridian_backend.h);
// the layout test compares every struct here with what the C compiler makes of the header.
namespace Meridian.Backends.Native.Interop;

/// <summary>MB_ABI_MAJOR, MB_ABI_MINOR and the constants of the header.</summary>
internal static class MbAbi
{
    public const uint Major = 1;
    public const uint Minor = 0;
    public const int MaxSources = 5;   // MB_MAX_SRC
    public const int OpCount = 12;     // MB_OP_COUNT
    public const string GetApiSymbol = "meridian_backend_get_api";
    public const string ScoreSymbol = "meridian_backend_score";
}
