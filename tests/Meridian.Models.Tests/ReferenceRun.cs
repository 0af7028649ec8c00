// A reference run from ../shared/testdata: the fed token sequence (.ids.txt) and the logits an
// external engine produced after each position (.logits.f32, [rows][vocab] little-endian f32).
using System.Globalization;
using System.Runtime.InteropServices;

namespace Meridian.Models.Tests;

internal sealed record ReferenceRun(int[] PromptTokens, int[] Sequence, int Rows, int Vocab, float[] Logits)
{
    public ReadOnlySpan<float> Row(int i) => Logits.AsSpan(i * Vocab, Vocab);

    /// <summary>Reads "X.ids.txt" and "X.logits.f32" for the stem X.</summary>
    public static ReferenceRun Load(string idsPath)
    {
        string stem = idsPath[..^".ids.txt".Length];
        int[] prompt = [], sequence = [];
        int rows = 0, vocab = 0;
        foreach (string line in File.ReadAllLines(idsPath))
        {
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0)
                continue;
            int[] Ints() => parts.Skip(1).Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
            switch (parts[0])
            {
                case "prompt_tokens": prompt = Ints(); break;
                case "sequence": sequence = Ints(); break;
                case "logit_rows": rows = Ints()[0]; break;
                case "vocab": vocab = Ints()[0]; break;
            }
        }
        string logitsPath = File.Exists(stem + ".logits.f32") ? stem + ".logits.f32" : stem + "logits.f32";
        var logits = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(logitsPath)).ToArray();
        Assert.Equal(rows * vocab, logits.Length);
        return new ReferenceRun(prompt, sequence, rows, vocab, logits);
    }
}
