// String formats against .NET's own parsers: typical values of each format are accepted, malformed ones refused,
// and random strings the grammar generates (JsonSchemaSuiteTests' walk) parse with Uri, Convert.FromBase64String,
// IPAddress, DateTime or MailAddress as the format says.
using System.Globalization;
using System.Net;
using System.Text.Json;
using Meridian.Grammar.Json;
using Meridian.Grammar.Matching;

namespace Meridian.Grammar.Tests;

public sealed class StringFormatTests
{
    [Theory]
    [InlineData("uri", "https://example.com/a/b?c=1&d=%20#frag", "no scheme here")]
    [InlineData("uri", "mailto:someone@example.org", "http://exa mple.com")]
    [InlineData("uri-reference", "../up/one?x=1", "http://exa mple.com")]
    [InlineData("byte", "QUJDRA==", "QUJDRA=")]
    [InlineData("byte", "QUJD", "QUJ")]
    [InlineData("ipv6", "2001:db8:0:0:0:0:2:1", "2001:db8::g")]
    [InlineData("json-pointer", "/a/b~1c/~0", "a/b")]
    [InlineData("date", "2024-02-28", "2024-02-30")]
    [InlineData("email", "first.last@example.com", "first last@example.com")]
    [InlineData("hostname", "api.example.com", "-bad.example.com")]
    public void Format_AcceptsTypicalValues_RefusesMalformedOnes_GeneratesParsableOnes(string format, string good, string bad)
    {
        using var doc = JsonDocument.Parse($$"""{"type":"string","format":"{{format}}"}""");
        var grammar = JsonSchemaCompiler.Compile(doc.RootElement);
        var lexer = new LexerStates(grammar);
        Assert.True(Accepts(grammar, lexer, good), $"{format} refuses {good}");
        Assert.False(Accepts(grammar, lexer, bad), $"{format} accepts {bad}");
        Assert.True(Parses(format, good));
        for (int seed = 0; seed < 20; seed++)
        {
            string text = JsonSchemaSuiteTests.RandomSentence(grammar, lexer, seed, format);
            string value = JsonSerializer.Deserialize<string>(text)!;
            Assert.True(Parses(format, value), $"{format}, seed {seed}: generated {text}, which .NET does not read as a {format}");
        }
    }

    private static bool Parses(string format, string value) => format switch
    {
        "uri" => Uri.TryCreate(value, UriKind.Absolute, out _),
        "uri-reference" => Uri.TryCreate(value, UriKind.RelativeOrAbsolute, out _),
        "byte" => value.Length % 4 == 0 && Convert.TryFromBase64String(value, new byte[value.Length], out _),
        "ipv6" => IPAddress.TryParse(value, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6,
        "json-pointer" => value.Length == 0 || (value[0] == '/' && !System.Text.RegularExpressions.Regex.IsMatch(value, "~[^01]|~$")),
        "date" => DateTime.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
        "email" => System.Net.Mail.MailAddress.TryCreate(value, out var a) && a.Address == value,
        "hostname" => Uri.CheckHostName(value) is UriHostNameType.Dns && value.Length <= 253,
        _ => throw new ArgumentException(format),
    };

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static bool Accepts(Meridian.Grammar.Cfg.CfgGrammar grammar, LexerStates lexer, string value) =>
        JsonSchemaSuiteTests.Accepts(grammar, lexer, JsonSerializer.Serialize(value, Relaxed));
}
