// Reads text that must be UTF-8 (a file, or standard input): its bytes decoded strictly, with no
// byte-order-mark sniffing, so a UTF-16 file is an error rather than silently different text, and a
// UTF-8 BOM stays in the text as U+FEFF (as llama-tokenize --file and Python's utf-8 codec keep it).
using System.Text;

namespace Meridian.Cli;

internal static class Utf8File
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string Read(string path) => Decode(File.ReadAllBytes(path), path);

    /// <summary>All of standard input, as bytes: Console.In would decode by the locale and replace bad bytes.</summary>
    public static string ReadStdin()
    {
        using var stdin = Console.OpenStandardInput();
        using var buffer = new MemoryStream();
        stdin.CopyTo(buffer);
        return Decode(buffer.ToArray(), "standard input");
    }

    private static string Decode(byte[] bytes, string source)
    {
        try
        {
            return Strict.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new CliUsageException($"{source}: not valid UTF-8 ({e.Message})");
        }
    }
}
