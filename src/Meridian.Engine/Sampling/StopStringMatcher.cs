// Incremental stop-string detection over streamed text pieces: emits what can no longer turn into
// a stop string, holds back a tail that might, and cuts the output before the first stop (OpenAI).
namespace Meridian.Engine.Sampling;

/// <summary>
/// Watches detokenized text as it streams and stops at the first stop string, which is not emitted.
/// </summary>
/// <remarks>
/// "First" means the stop string that completes earliest in the stream; when two complete at the same
/// character, the one that starts earlier (the longer) wins. That choice does not depend on how the
/// text is split into pieces. (vLLM instead takes the first entry of its list found in the new text.)
/// Held text is the longest tail of the text so far that is a proper prefix of some stop string; it
/// is at most (longest stop − 1) chars, so each <see cref="Push"/> costs O((piece + longest stop) ×
/// total stop length). Matching is ordinal over UTF-16 code units, no Unicode normalisation: "é" as
/// one code point does not match "e" + combining acute. Stop strings must be well-formed UTF-16, so a
/// cut never falls inside a surrogate pair of well-formed input.
/// </remarks>
public sealed class StopStringMatcher
{
    private readonly string[] _stops;
    private readonly int _maxStopLength;
    private string _held = "";

    /// <summary>Creates a matcher; an empty list makes every piece pass straight through.</summary>
    /// <exception cref="ArgumentException">A stop string is null, empty, or not well-formed UTF-16.</exception>
    public StopStringMatcher(IReadOnlyList<string> stopStrings)
    {
        ArgumentNullException.ThrowIfNull(stopStrings);
        _stops = new string[stopStrings.Count];
        for (int i = 0; i < _stops.Length; i++)
        {
            string s = stopStrings[i];
            if (string.IsNullOrEmpty(s))
                throw new ArgumentException($"stop string {i} is null or empty", nameof(stopStrings));
            if (!IsWellFormedUtf16(s))
                throw new ArgumentException($"stop string {i} contains an unpaired surrogate", nameof(stopStrings));
            _stops[i] = s;
            _maxStopLength = Math.Max(_maxStopLength, s.Length);
        }
    }

    /// <summary>True once a stop string has been hit; further pushes are an error.</summary>
    public bool Stopped { get; private set; }

    /// <summary>Text received but not yet emitted because it could still begin a stop string.</summary>
    public string HeldText => _held;

    /// <summary>Adds the next piece of output text and returns what may be emitted now.</summary>
    /// <exception cref="InvalidOperationException">Called after a stop string was hit.</exception>
    public StopStringResult Push(string piece)
    {
        ArgumentNullException.ThrowIfNull(piece);
        if (Stopped)
            throw new InvalidOperationException("StopStringMatcher.Push after a stop string was hit");
        string text = _held + piece;

        // Held text never contains a whole stop string, so any match ends inside the new piece.
        int bestStart = -1, bestEnd = int.MaxValue;
        string? hit = null;
        foreach (string stop in _stops)
        {
            int start = text.IndexOf(stop, StringComparison.Ordinal);
            if (start < 0)
                continue;
            int end = start + stop.Length;
            if (end < bestEnd || (end == bestEnd && start < bestStart))
            {
                bestStart = start;
                bestEnd = end;
                hit = stop;
            }
        }
        if (hit is not null)
        {
            Stopped = true;
            _held = "";
            return new StopStringResult(text[..bestStart], true, hit);
        }

        int keepFrom = text.Length;
        for (int k = Math.Max(0, text.Length - (_maxStopLength - 1)); k < text.Length; k++)
        {
            if (IsPrefixOfAnyStop(text.AsSpan(k)))
            {
                keepFrom = k; // the smallest k is the longest tail that could still grow into a stop
                break;
            }
        }
        _held = text[keepFrom..];
        return new StopStringResult(text[..keepFrom], false, null);
    }

    /// <summary>Ends the stream without a stop: returns the held text and clears it.</summary>
    public string Flush()
    {
        string rest = _held;
        _held = "";
        return rest;
    }

    private bool IsPrefixOfAnyStop(ReadOnlySpan<char> tail)
    {
        foreach (string stop in _stops)
        {
            if (stop.Length > tail.Length && stop.AsSpan().StartsWith(tail, StringComparison.Ordinal))
                return true;
        }
        return false;
    }

    private static bool IsWellFormedUtf16(string s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
                i++;
            else if (char.IsSurrogate(s[i]))
                return false;
        }
        return true;
    }
}
