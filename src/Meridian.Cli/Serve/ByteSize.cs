// Sizes on the command line: "2GiB", "512MiB", "1.5G", "4096" (bytes). K/M/G/T and KiB/MiB/GiB/TiB are
// all powers of 1024, as llama.cpp and vLLM read memory flags.
using System.Globalization;

namespace Meridian.Cli.Serve;

internal static class ByteSize
{
    public static long Parse(string text, string flag)
    {
        string s = text.Trim();
        int unitStart = s.Length;
        while (unitStart > 0 && char.IsLetter(s[unitStart - 1]))
            unitStart--;
        string unit = s[unitStart..].ToUpperInvariant();
        long scale = unit switch
        {
            "" or "B" => 1,
            "K" or "KB" or "KIB" => 1L << 10,
            "M" or "MB" or "MIB" => 1L << 20,
            "G" or "GB" or "GIB" => 1L << 30,
            "T" or "TB" or "TIB" => 1L << 40,
            _ => throw new CliUsageException($"{flag}: unknown unit '{s[unitStart..]}' in '{text}' (use B, KiB, MiB, GiB or TiB)"),
        };
        if (!double.TryParse(s[..unitStart], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value)
            || !(value > 0) || value * scale > long.MaxValue / 2)
            throw new CliUsageException($"{flag}: '{text}' is not a positive size such as 2GiB or 512MiB");
        return (long)(value * scale);
    }
}
