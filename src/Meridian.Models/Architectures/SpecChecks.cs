// The checks every architecture's Validate makes of its sizes, so a bad file gets the same message whatever its
// architecture: positive sizes, kv heads that divide the heads, a head dim RoPE can pair.
using Meridian.Core;

namespace Meridian.Models.Architectures;

internal static class SpecChecks
{
    /// <summary>Each value must be positive; the message names the first that is not.</summary>
    public static void Positive(string origin, params ReadOnlySpan<(int Value, string Name)> fields)
    {
        foreach (var (value, name) in fields)
        {
            if (value <= 0)
                throw new ModelFormatException($"{origin}: {name} is {value}; it must be positive");
        }
    }

    /// <summary>kv heads divide the heads, and the head dim is even (RoPE turns pairs).</summary>
    public static void Heads(string origin, int heads, int kvHeads, int headDim)
    {
        if (heads % kvHeads != 0)
            throw new ModelFormatException($"{origin}: {kvHeads} kv heads do not divide {heads} heads");
        if (headDim % 2 != 0)
            throw new ModelFormatException($"{origin}: head dim {headDim} is odd; RoPE needs pairs");
    }
}
