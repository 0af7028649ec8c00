// Turns failures into the one-line error a CLI user should see: expected failures (bad file,
// missing path) by their message, anything else as an internal error, never a stack trace
// unless MERIDIAN_DEBUG=1.
using Meridian.Core;
using Meridian.Tokenizers;
using Meridian.Tokenizers.Templates;

namespace Meridian.Cli;

internal static class CliErrors
{
    /// <summary>Exit code for a bad input (file, argument).</summary>
    public const int BadInput = 1;

    /// <summary>Exit code for a bug in Meridian.</summary>
    public const int InternalError = 70; // EX_SOFTWARE

    public static int Run(TextWriter stderr, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (TemplateRaiseException ex)
        {
            // raise_exception(msg) in a chat template: the template's own words, unadorned.
            stderr.WriteLine($"meridian: template error: {OneLine(ex.Message)}");
            return BadInput;
        }
        catch (Exception ex) when (ex is MeridianException or TokenizerException or TemplateException
                                       or FileNotFoundException or DirectoryNotFoundException
                                       or UnauthorizedAccessException or IOException or CliUsageException)
        {
            stderr.WriteLine($"meridian: error: {OneLine(ex.Message)}");
            if (Debugging) stderr.WriteLine(ex);
            return BadInput;
        }
        catch (Exception ex)
        {
            stderr.WriteLine($"meridian: internal error ({ex.GetType().Name}): {OneLine(ex.Message)}; set MERIDIAN_DEBUG=1 for details");
            if (Debugging) stderr.WriteLine(ex);
            return InternalError;
        }
    }

    private static bool Debugging => Environment.GetEnvironmentVariable("MERIDIAN_DEBUG") is "1" or "true";

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
