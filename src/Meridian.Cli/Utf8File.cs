// Reads a text file that must be UTF-8: its bytes decoded strictly, with no byte-order-mark sniffing,
// so a UTF-16 file is an error rather than silently different text, and a UTF-8 BOM stays in the text
// as U+FEFF (as llama.cpp's llama-tokenize --file and Python's open(encoding="utf-8") keep it).
using System.Text;

namespace Meridian.Cli;

internal static class Utf8File
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        try
        {
            return Strict.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new CliUsageException($"{path}: not valid UTF-8 ({e.Message})");
        }
    }
}
