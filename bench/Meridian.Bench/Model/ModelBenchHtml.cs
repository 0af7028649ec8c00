// `bench model --report FILE.html`: one self-contained page (inline SVG, no scripts, no network) with bar charts
// of tokens/s per test (Meridian beside llama.cpp, ±stddev whiskers), of tg weight GB/s against the measured memory
// read bandwidth (dashed line), and the results (with each tg row's share of that bandwidth) and ratio tables.
using System.Globalization;
using System.Net;
using System.Text;

namespace Meridian.Bench.Model;

internal static class ModelBenchHtml
{
    private const int BarWidth = 36, GroupGap = 28, ChartHeight = 260, Top = 20, Bottom = 70, Left = 70;

    public static string Render(ModelBenchReport report)
    {
        var html = new StringBuilder();
        var m = report.Machine;
        html.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>meridian bench</title><style>")
            .Append("body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}")
            .Append("td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f3f3f3}")
            .Append(".meridian{fill:#2b6cb0}.llama{fill:#dd6b20}</style></head><body>")
            .Append("<h1>meridian bench</h1><p>").Append(Escape(ModelBenchTable.Header(m))).Append("<br>").Append(Escape(m.Os)).Append("</p>");
        foreach (string test in report.Results.Select(r => r.Test[..2]).Distinct())
        {
            var rows = report.Results.Where(r => r.Test.StartsWith(test, StringComparison.Ordinal)).ToList();
            html.Append("<h2>").Append(test == "pp" ? "Prompt processing" : "Text generation").Append(" (tokens/s)</h2>")
                .Append(Chart(rows, r => r.TokensPerSecond, r => r.Stddev, "t/s", null));
            if (test == "tg")
                html.Append("<h2>Text generation: weights read (GB/s)</h2>")
                    .Append(Chart(rows, r => r.GbPerS ?? 0, r => r.GbPerS is { } g ? g * r.Stddev / r.TokensPerSecond : 0, "GB/s", m.MemoryBandwidthGbPerS))
                    .Append("<p>Dashed: the memory read bandwidth measured in the same run. On a model that fits in the CPU caches the bars can pass it.</p>");
        }
        html.Append("<p><svg width=\"14\" height=\"14\"><rect class=\"meridian\" width=\"14\" height=\"14\"/></svg> meridian ")
            .Append("<svg width=\"14\" height=\"14\"><rect class=\"llama\" width=\"14\" height=\"14\"/></svg> llama.cpp</p>");
        html.Append("<h2>Results</h2><table><tr><th>engine</th><th>model</th><th>type</th><th>threads</th><th>test</th><th>t/s</th><th>± stddev</th><th>GB/s</th><th>% of memory bandwidth</th></tr>");
        foreach (var r in report.Results)
            html.Append(Row(r.Engine, r.Model, r.Type, I(r.Threads), r.Test, F(r.TokensPerSecond), F(r.Stddev), r.GbPerS is { } g ? F(g) : "",
                ModelBenchTable.Percent(r.BandwidthFraction)));
        html.Append("</table>");
        if (report.Ratios.Count > 0)
        {
            html.Append("<h2>Meridian / llama.cpp</h2><table><tr><th>type</th><th>threads</th><th>test</th><th>ratio</th></tr>");
            foreach (var r in report.Ratios)
                html.Append(Row(r.Type, I(r.Threads), r.Test, F(r.MeridianOverLlamacpp)));
            html.Append("</table>");
        }
        return html.Append("</body></html>\n").ToString();
    }

    // Groups by model × type × threads × test, one bar per engine, value ± sd; an optional dashed line at `reference`.
    private static string Chart(List<ModelBenchResult> rows, Func<ModelBenchResult, double> value, Func<ModelBenchResult, double> sd, string unit, double? reference)
    {
        var groups = rows.GroupBy(r => (r.Model, r.Type, r.Threads, r.Test)).ToList();
        double max = Math.Max(rows.Max(r => value(r) + sd(r)), reference ?? 0);
        if (!(max > 0))
            max = 1;
        int width = Left + groups.Count * (2 * BarWidth + GroupGap) + GroupGap;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg width=\"{width}\" height=\"{ChartHeight + Top + Bottom}\" font-size=\"11\">");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Top + ChartHeight}\" stroke=\"#888\"/>");
        for (int tick = 0; tick <= 4; tick++)
        {
            double tickValue = max * tick / 4;
            double y = Top + ChartHeight - ChartHeight * tick / 4.0;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{y + 4:F1}\" text-anchor=\"end\">{tickValue:G4}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{y:F1}\" x2=\"{width}\" y2=\"{y:F1}\" stroke=\"#eee\"/>");
        }
        for (int g = 0; g < groups.Count; g++)
        {
            double x = Left + GroupGap + g * (2 * BarWidth + GroupGap);
            foreach (var r in groups[g])
            {
                double bx = r.Engine == "meridian" ? x : x + BarWidth;
                double h = ChartHeight * value(r) / max, y = Top + ChartHeight - h;
                double whisker = ChartHeight * sd(r) / max, cx = bx + BarWidth / 2.0;
                svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"{(r.Engine == "meridian" ? "meridian" : "llama")}\" x=\"{bx:F1}\" y=\"{y:F1}\" width=\"{BarWidth - 2}\" height=\"{h:F1}\"><title>{Escape(r.Engine)}: {value(r):F2} ± {sd(r):F2} {unit}</title></rect>");
                svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{cx:F1}\" y1=\"{y - whisker:F1}\" x2=\"{cx:F1}\" y2=\"{Math.Min(Top + ChartHeight, y + whisker):F1}\" stroke=\"#000\"/>");
            }
            var key = groups[g].Key;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + BarWidth:F1}\" y=\"{Top + ChartHeight + 16}\" text-anchor=\"middle\">{Escape(key.Type)} t={key.Threads}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + BarWidth:F1}\" y=\"{Top + ChartHeight + 30}\" text-anchor=\"middle\">{Escape(key.Test)}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + BarWidth:F1}\" y=\"{Top + ChartHeight + 44}\" text-anchor=\"middle\">{Escape(key.Model)}</text>");
        }
        if (reference is { } line)
        {
            double y = Top + ChartHeight - ChartHeight * line / max;
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{y:F1}\" x2=\"{width}\" y2=\"{y:F1}\" stroke=\"#c53030\" stroke-dasharray=\"6 4\"><title>memory read bandwidth {line:F1} {unit}</title></line>");
        }
        return svg.Append("</svg>").ToString();
    }

    private static string Row(params string[] cells) =>
        "<tr>" + string.Concat(cells.Select(c => "<td>" + Escape(c) + "</td>")) + "</tr>";

    private static string Escape(string s) => WebUtility.HtmlEncode(s);

    private static string F(double x) => x.ToString("F2", CultureInfo.InvariantCulture);

    private static string I(int x) => x.ToString(CultureInfo.InvariantCulture);
}
