// Generated ids to streamed text: the tokenizer's incremental decoder, then stop-string matching on
// the decoded text, so a stop string split across tokens is caught and never printed.
using Meridian.Engine.Sampling;
using Meridian.Tokenizers;

namespace Meridian.Engine.Generation;

/// <summary>
/// Decodes one generation's ids as they arrive and cuts the text before the first stop string
/// (<see cref="StopStringMatcher"/>). One instance per generation.
/// </summary>
public sealed class TextStream
{
    private readonly IncrementalDecoder _decoder;
    private readonly StopStringMatcher _matcher;

    /// <summary>A stream over <paramref name="decoder"/> that stops at any of <paramref name="stopStrings"/> (may be empty).</summary>
    public TextStream(IncrementalDecoder decoder, IReadOnlyList<string> stopStrings)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        _decoder = decoder;
        _matcher = new StopStringMatcher(stopStrings);
    }

    /// <summary>True once a stop string was hit; the generation should end.</summary>
    public bool Stopped => _matcher.Stopped;

    /// <summary>Adds one generated id; returns the text that may be shown now.</summary>
    public StopStringResult Push(int id) => _matcher.Push(_decoder.Push(id));

    /// <summary>
    /// Ends the stream: whatever the decoder and the matcher still hold, cut at a stop string if the
    /// held bytes complete one. Returns "" after a stop.
    /// </summary>
    public string Flush()
    {
        if (_matcher.Stopped)
            return "";
        var last = _matcher.Push(_decoder.Flush());
        return last.Stopped ? last.Text : last.Text + _matcher.Flush();
    }
}
