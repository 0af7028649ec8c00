// Checks of constrained JSON output, with System.Text.Json as the independent judge: a reply that finished must
// parse as one JSON object; one cut off by its token limit must still be the start of a JSON text.
using System.Text;
using System.Text.Json;

namespace Meridian.Tests.Shared;

internal static class JsonOutput
{
    /// <summary>Asserts what a constrained reply must be; returns whether it finished (a whole object).</summary>
    public static bool AssertObjectOrPrefix(string text, bool finished, string where = "")
    {
        if (finished)
        {
            using var doc = JsonDocument.Parse(text);
            Assert.True(doc.RootElement.ValueKind == JsonValueKind.Object, $"{where}: '{text}' is JSON but not an object");
            return true;
        }
        Assert.True(IsPrefix(text), $"{where}: '{text}' is not the start of a JSON text");
        return false;
    }

    /// <summary>The text can still become JSON: Utf8JsonReader finds no error in it as a partial buffer.</summary>
    public static bool IsPrefix(string text)
    {
        try
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(text), isFinalBlock: false, default);
            while (reader.Read())
            {
            }
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
