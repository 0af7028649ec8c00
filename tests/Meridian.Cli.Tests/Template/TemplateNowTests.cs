// `meridian template --now`: the clock strftime_now reads. Expected strings are worked out by hand
// (2025-03-14 is a Friday, as the golden README says; 2025-12-31 a Wednesday). A time with an offset
// is the wall-clock time at that offset, never converted to this machine's zone; without --now it is
// this machine's local time.
using System.Globalization;
using Meridian.Tests.Shared;

namespace Meridian.Cli.Tests.Template;

public sealed class TemplateNowTests
{
    private const string Format = "%Y-%m-%d %H:%M:%S %a %b";

    public static TheoryData<string, string> Clocks => new()
    {
        // Without an offset: as written.
        { "2025-03-14T09:26:53", "2025-03-14 09:26:53 Fri Mar" },
        { "2025-03-14 23:30", "2025-03-14 23:30:00 Fri Mar" },
        // With one: still as written, whatever this machine's zone (UTC would be 2025-03-15 07:30 for the first).
        { "2025-03-14T23:30:00-08:00", "2025-03-14 23:30:00 Fri Mar" },
        { "2025-03-14T23:30:00+05:30", "2025-03-14 23:30:00 Fri Mar" },
        { "2025-03-14T23:30:00+0530", "2025-03-14 23:30:00 Fri Mar" },
        { "2025-03-14T23:30:00Z", "2025-03-14 23:30:00 Fri Mar" },
        { "2025-12-31T23:59:59+14:00", "2025-12-31 23:59:59 Wed Dec" },
        { "2025-01-01T00:00:00-12:00", "2025-01-01 00:00:00 Wed Jan" },
    };

    [Theory]
    [MemberData(nameof(Clocks))]
    public void Template_Now_StrftimeNowFormatsThatWallClock(string now, string expected)
    {
        using var dir = new TempDir();
        var (template, context) = StrftimeTemplate(dir);

        var r = CliRunner.Run("template", "--template", template, "--context", context, "--now", now);

        Assert.Equal("", r.Stderr);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(expected, r.Stdout);
    }

    [Fact]
    public void Template_NoNow_StrftimeNowFormatsTheLocalTime()
    {
        using var dir = new TempDir();
        var (template, context) = StrftimeTemplate(dir, "%Y-%m-%d %H:%M");

        DateTime before = DateTime.Now;
        var r = CliRunner.Run("template", "--template", template, "--context", context);
        DateTime after = DateTime.Now;

        Assert.Equal(0, r.ExitCode);
        // The minute may turn during the run: either end is right.
        string[] allowed = [before.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), after.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)];
        Assert.Contains(r.Stdout, allowed);
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("2025-13-01T00:00:00")]
    [InlineData("2025-03-14T25:00:00")]
    [InlineData("")]
    public void Template_MalformedNow_OneErrorLineNamingNow(string now)
    {
        using var dir = new TempDir();
        var (template, context) = StrftimeTemplate(dir);

        string line = CliAssert.OneErrorLine(CliRunner.Run("template", "--template", template, "--context", context, "--now", now));

        Assert.Contains("--now", line);
    }

    private static (string Template, string Context) StrftimeTemplate(TempDir dir, string format = Format)
    {
        string template = dir.File("now.jinja");
        File.WriteAllText(template, "{{ strftime_now(\"" + format + "\") }}");
        string context = dir.File("context.json");
        File.WriteAllText(context, "{}");
        return (template, context);
    }
}
