// `bench model --report FILE.html`: one self-contained page (inline SVG, no scripts, no network) with a
// bar chart of tokens/s per test, Meridian beside llama.cpp, ±stddev whiskers, and the ratio table.
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
            .Append("<h1>meridian bench</h1><p>").Append(Escape($"{m.Cpu}, {m.Cores} logical cores, {m.Os}, {m.Runtime}")).Append("</p>");
        foreach (string test in report.Results.Select(r => r.Test[..2]).Distinct())
            html.Append("<h2>").Append(test == "pp" ? "Prompt processing" : "Text generation").Append(" (tokens/s)</h2>")
                .Append(Chart(report.Results.Where(r => r.Test.StartsWith(test, StringComparison.Ordinal)).ToList()));
        html.Append("<p><svg width=\"14\" height=\"14\"><rect class=\"meridian\" width=\"14\" height=\"14\"/></svg> meridian ")
            .Append("<svg width=\"14\" height=\"14\"><rect class=\"llama\" width=\"14\" height=\"14\"/></svg> llama.cpp</p>");
        html.Append("<h2>Results</h2><table><tr><th>engine</th><th>model</th><th>type</th><th>threads</th><th>test</th><th>t/s</th><th>± stddev</th><th>GB/s</th></tr>");
        foreach (var r in report.Results)
            html.Append(Row(r.Engine, r.Model, r.Type, I(r.Threads), r.Test, F(r.TokensPerSecond), F(r.Stddev), r.GbPerS is { } g ? F(g) : ""));
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

    // Groups by model × type × threads × test, one bar per engine.
    private static string Chart(List<ModelBenchResult> rows)
    {
        var groups = rows.GroupBy(r => (r.Model, r.Type, r.Threads, r.Test)).ToList();
        double max = rows.Max(r => r.TokensPerSecond + r.Stddev);
        if (!(max > 0))
            max = 1;
        int width = Left + groups.Count * (2 * BarWidth + GroupGap) + GroupGap;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg width=\"{width}\" height=\"{ChartHeight + Top + Bottom}\" font-size=\"11\">");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Top + ChartHeight}\" stroke=\"#888\"/>");
        for (int tick = 0; tick <= 4; tick++)
        {
            double value = max * tick / 4;
            double y = Top + ChartHeight - ChartHeight * tick / 4.0;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{y + 4:F1}\" text-anchor=\"end\">{value:G4}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{y:F1}\" x2=\"{width}\" y2=\"{y:F1}\" stroke=\"#eee\"/>");
        }
        for (int g = 0; g < groups.Count; g++)
        {
            double x = Left + GroupGap + g * (2 * BarWidth + GroupGap);
            foreach (var r in groups[g])
            {
                double bx = r.Engine == "meridian" ? x : x + BarWidth;
                double h = ChartHeight * r.TokensPerSecond / max, y = Top + ChartHeight - h;
                double sd = ChartHeight * r.Stddev / max, cx = bx + BarWidth / 2.0;
                svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"{(r.Engine == "meridian" ? "meridian" : "llama")}\" x=\"{bx:F1}\" y=\"{y:F1}\" width=\"{BarWidth - 2}\" height=\"{h:F1}\"><title>{Escape(r.Engine)}: {r.TokensPerSecond:F2} ± {r.Stddev:F2} t/s</title></rect>");
                svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{cx:F1}\" y1=\"{y - sd:F1}\" x2=\"{cx:F1}\" y2=\"{Math.Min(Top + ChartHeight, y + sd):F1}\" stroke=\"#000\"/>");
            }
            var key = groups[g].Key;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + BarWidth:F1}\" y=\"{Top + ChartHeight + 16}\" text-anchor=\"middle\">{Escape(key.Type)} t={key.Threads}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + BarWidth:F1}\" y=\"{Top + ChartHeight + 30}\" text-anchor=\"middle\">{Escape(key.Test)}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + BarWidth:F1}\" y=\"{Top + ChartHeight + 44}\" text-anchor=\"middle\">{Escape(key.Model)}</text>");
        }
        return svg.Append("</svg>").ToString();
    }

    private static string Row(params string[] cells) =>
        "<tr>" + string.Concat(cells.Select(c => "<td>" + Escape(c) + "</td>")) + "</tr>";

    private static string Escape(string s) => WebUtility.HtmlEncode(s);

    private static string F(double x) => x.ToString("F2", CultureInfo.InvariantCulture);

    private static string I(int x) => x.ToString(CultureInfo.InvariantCulture);
}
