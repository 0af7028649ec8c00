// The plain-text form of a TokenizeBenchReport: encode table, ratios, decode table, reference checks, notes.
using System.Globalization;

namespace Meridian.Bench.Tokenize;

internal static class ReportTable
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void Write(TokenizeBenchReport r, TextWriter o)
    {
        var m = r.Machine;
        o.WriteLine($"Tokenizer benchmark: {r.Text.Path} ({N(r.Text.Chars)} chars, {N(r.Text.Utf8Bytes)} UTF-8 bytes) as one string per call");
        o.WriteLine($"machine: {m.Cpu}, {m.Cores} logical cores, {m.Os}, {m.Runtime}");
        foreach (string peer in r.Peers)
            o.WriteLine($"peer {peer}");
        o.WriteLine($"{r.Reps} reps, engines interleaved within each rep. warm: the instance already encoded the text once (untimed).");
        o.WriteLine("cold: first encode on an instance built just before, outside the timer (empty word cache; JIT already warm).");
        o.WriteLine();

        o.WriteLine("encode");
        o.WriteLine($"{"vocab",-11} {"engine",-14} {"mode",-5} {"tokens",10} {"ms/encode",17} {"M tokens/s",15}  ids vs ours");
        foreach (var e in r.Results)
        {
            string ids = e.Engine == MeridianEngine.EngineName ? "-" : IdsText(e.IdsMatchOurs, e.DifferingTokens, e.LengthDifference);
            o.WriteLine($"{e.Vocab,-11} {e.Engine,-14} {e.Mode,-5} {N(e.Tokens),10} {Pm(e.SecondsMean * 1e3, e.SecondsStddev * 1e3, "F1"),17} {Pm(e.TokensPerSecond / 1e6, e.Stddev / 1e6, "F2"),15}  {ids}");
        }
        o.WriteLine();

        if (r.Ratios.Count > 0)
        {
            o.WriteLine("ratio of tokens/s, ours over peer (above 1: ours is faster)");
            o.WriteLine($"{"vocab",-11} {"mode",-5} {"ours/HF",9} {"ours/ML",9}");
            foreach (var q in r.Ratios)
                o.WriteLine($"{q.Vocab,-11} {q.Mode,-5} {X(q.MeridianOverHf),9} {X(q.MeridianOverMltokenizers),9}");
            o.WriteLine();
        }

        o.WriteLine("decode (warm instance, the engine's own ids to one string)");
        o.WriteLine($"{"vocab",-11} {"engine",-14} {"tokens",10} {"ms/decode",17}  gives back the text");
        foreach (var d in r.Decode)
            o.WriteLine($"{d.Vocab,-11} {d.Engine,-14} {N(d.Tokens),10} {Pm(d.SecondsMean * 1e3, d.SecondsStddev * 1e3, "F1"),17}  {(d.RoundTrip ? "yes" : "NO")}");
        o.WriteLine();

        if (r.ReferenceChecks.Count > 0)
        {
            o.WriteLine("our ids against reference ids (two independent implementations agree on them)");
            foreach (var c in r.ReferenceChecks)
                o.WriteLine($"  {c.Vocab,-11} {c.Reference}: {IdsText(c.IdsEqual, c.DifferingTokens, c.LengthDifference)}");
            o.WriteLine();
        }

        if (r.Notes.Count > 0)
        {
            o.WriteLine("notes");
            foreach (string n in r.Notes)
                o.WriteLine($"  - {n}");
        }
    }

    private static string IdsText(bool equal, int differing, int lengthDifference) =>
        equal ? "equal" : $"{N(differing)} tokens differ, length {lengthDifference.ToString("+#;-#;0", Inv)}";

    private static string N(int n) => n.ToString("N0", Inv);

    private static string Pm(double mean, double sd, string format) =>
        $"{mean.ToString(format, Inv)} ± {sd.ToString(format, Inv)}";

    private static string X(double? ratio) => ratio is { } v ? v.ToString("F2", Inv) + "x" : "-";
}
