// Serializer options for everything the CLI prints as JSON: the source-generated context, with
// text left readable ("<|im_start|>", not "\u003C|im_start|\u003E"): the output is for terminals
// and programs, never embedded in HTML.
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Meridian.Cli;

internal static class CliJson
{
    public static readonly CliJsonContext Context = new(new JsonSerializerOptions(CliJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
