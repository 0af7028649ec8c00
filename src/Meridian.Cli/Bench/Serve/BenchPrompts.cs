// The prompts of `meridian bench serve`: every request gets its own, made from the seed and the request's index
// (words drawn from a fixed list by SplitMix64), so two requests share no prefix a prefix cache could serve beyond
// a word or so, and a rerun with the same seed sends the same prompts.
namespace Meridian.Cli.Bench.Serve;

internal static class BenchPrompts
{
    // 64 plain English words that most tokenizers keep as one or two tokens each.
    private static readonly string[] Words =
    [
        "river", "stone", "lantern", "garden", "winter", "copper", "harbor", "meadow",
        "thunder", "pencil", "orchard", "candle", "mirror", "forest", "silver", "basket",
        "island", "market", "ladder", "window", "feather", "valley", "engine", "blanket",
        "castle", "pepper", "rocket", "saddle", "tunnel", "violin", "walnut", "yellow",
        "anchor", "bridge", "circle", "desert", "empire", "falcon", "glacier", "hammer",
        "jungle", "kettle", "lemon", "marble", "needle", "ocean", "puzzle", "quartz",
        "rabbit", "summer", "ticket", "umbrella", "velvet", "wagon", "zebra", "autumn",
        "butter", "cotton", "dragon", "finger", "ginger", "helmet", "insect", "jacket",
    ];

    /// <summary>The prompt of request <paramref name="index"/>: <paramref name="words"/> words separated by spaces.</summary>
    public static string Make(int seed, long index, int words)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(words, 1);
        ulong state = ((ulong)(uint)seed << 32) ^ (ulong)index * 0x9E3779B97F4A7C15UL;
        var text = new System.Text.StringBuilder(words * 8);
        for (int i = 0; i < words; i++)
        {
            if (i > 0)
                text.Append(' ');
            text.Append(Words[(int)(SplitMix64(ref state) % (ulong)Words.Length)]);
        }
        return text.ToString();
    }

    // Steele, Lea, Flood, "Fast splittable pseudorandom number generators" (2014): one step of SplitMix64.
    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
