// C-locale strftime for the strftime_now(fmt) global transformers gives templates (Llama 3.2:
// "%d %b %Y"; gpt-oss / Mistral Small: "%Y-%m-%d"). As with glibc, an unknown code is copied as is;
// %z and %Z are empty, as for the naive datetime.now() transformers formats.
using System.Globalization;
using System.Text;

namespace Meridian.Tokenizers.Templates;

internal static class Strftime
{
    private static readonly string[] Days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
    private static readonly string[] Months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

    public static string Format(DateTime t, string format)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            char c = format[i];
            if (c != '%' || i + 1 >= format.Length) { sb.Append(c); continue; }
            char code = format[++i];
            int hour12 = t.Hour % 12 == 0 ? 12 : t.Hour % 12;
            sb.Append(code switch
            {
                'd' => t.Day.ToString("00", inv),
                'e' => t.Day.ToString(inv).PadLeft(2),
                'm' => t.Month.ToString("00", inv),
                'y' => (t.Year % 100).ToString("00", inv),
                'Y' => t.Year.ToString(inv),
                'H' => t.Hour.ToString("00", inv),
                'I' => hour12.ToString("00", inv),
                'M' => t.Minute.ToString("00", inv),
                'S' => t.Second.ToString("00", inv),
                'f' => (t.Ticks % TimeSpan.TicksPerSecond / 10).ToString("000000", inv),
                'p' => t.Hour < 12 ? "AM" : "PM",
                'a' => Days[(int)t.DayOfWeek].Substring(0, 3),
                'A' => Days[(int)t.DayOfWeek],
                'b' or 'h' => Months[t.Month - 1].Substring(0, 3),
                'B' => Months[t.Month - 1],
                'j' => t.DayOfYear.ToString("000", inv),
                'w' => ((int)t.DayOfWeek).ToString(inv),
                'u' => (t.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)t.DayOfWeek).ToString(inv),
                'F' => t.ToString("yyyy-MM-dd", inv),
                'T' => t.ToString("HH:mm:ss", inv),
                'D' => t.ToString("MM/dd/yy", inv),
                'R' => t.ToString("HH:mm", inv),
                'c' => $"{Days[(int)t.DayOfWeek][..3]} {Months[t.Month - 1][..3]} {t.Day,2} {t:HH:mm:ss} {t.Year}",
                'x' => t.ToString("MM/dd/yy", inv),
                'X' => t.ToString("HH:mm:ss", inv),
                'C' => (t.Year / 100).ToString("00", inv),
                'k' => t.Hour.ToString(inv).PadLeft(2),
                'l' => hour12.ToString(inv).PadLeft(2),
                'P' => t.Hour < 12 ? "am" : "pm",
                'U' => ((t.DayOfYear + 6 - (int)t.DayOfWeek) / 7).ToString("00", inv),
                'W' => ((t.DayOfYear + 6 - ((int)t.DayOfWeek + 6) % 7) / 7).ToString("00", inv),
                'V' => ISOWeek.GetWeekOfYear(t).ToString("00", inv),
                'G' => ISOWeek.GetYear(t).ToString(inv),
                'g' => (ISOWeek.GetYear(t) % 100).ToString("00", inv),
                'z' or 'Z' => "",
                'n' => "\n",
                't' => "\t",
                '%' => "%",
                _ => "%" + code,
            });
        }
        return sb.ToString();
    }
}
