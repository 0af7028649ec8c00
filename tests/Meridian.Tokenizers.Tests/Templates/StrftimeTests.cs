// strftime_now(fmt) over a supplied clock, C-locale names; expected strings are CPython 3.11's
// datetime.strftime on glibc for the same instants (a Friday in March, New Year's Eve of a leap
// year, and a Sunday whose ISO week belongs to the previous year).
using Meridian.Tokenizers.Templates;

namespace Meridian.Tokenizers.Tests.Templates;

public sealed class StrftimeTests
{
    private const string Format = "%d %b %Y|%Y-%m-%d|%A %a %B %b|%j %p %I %H:%M:%S %y [%e] %%|%U %W %V %G %u %w|%C %k|%l %P|%c|%x %X|%D %F %T %R|%h";

    [Theory]
    [InlineData(2025, 3, 14, 9, 26, 53, "14 Mar 2025|2025-03-14|Friday Fri March Mar|073 AM 09 09:26:53 25 [14] %|10 10 11 2025 5 5|20  9| 9 am|Fri Mar 14 09:26:53 2025|03/14/25 09:26:53|03/14/25 2025-03-14 09:26:53 09:26|Mar")]
    [InlineData(2024, 12, 31, 23, 5, 9, "31 Dec 2024|2024-12-31|Tuesday Tue December Dec|366 PM 11 23:05:09 24 [31] %|52 53 01 2025 2 2|20 23|11 pm|Tue Dec 31 23:05:09 2024|12/31/24 23:05:09|12/31/24 2024-12-31 23:05:09 23:05|Dec")]
    [InlineData(2021, 1, 3, 0, 0, 0, "03 Jan 2021|2021-01-03|Sunday Sun January Jan|003 AM 12 00:00:00 21 [ 3] %|01 00 53 2020 7 0|20  0|12 am|Sun Jan  3 00:00:00 2021|01/03/21 00:00:00|01/03/21 2021-01-03 00:00:00 00:00|Jan")]
    public void StrftimeNow_FixedClock_MatchesPython(int year, int month, int day, int hour, int minute, int second, string expected)
    {
        var options = new ChatTemplateOptions { Now = new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.FromHours(5)) };
        Assert.Equal(expected, Jinja.Render("{{ strftime_now('" + Format + "') }}", options: options));
    }

    [Fact]
    public void StrftimeNow_UnknownCode_IsCopiedLikeGlibc()
    {
        Assert.Equal("[%Q] 100%", Jinja.Render("{{ strftime_now('[%Q] 100%') }}"));
    }

    [Fact]
    public void StrftimeNow_Llama32DateLine_UsesTheClock()
    {
        // The Llama 3.2 template's only use: strftime_now("%d %b %Y") on the golden clock.
        Assert.Equal("14 Mar 2025", Jinja.Render("{{ strftime_now(\"%d %b %Y\") }}"));
    }
}
