// A reply with tools, streamed: the text before the format's trigger goes out as it comes, less the whitespace at the
// reply's start and a tail that may yet begin the trigger (or be whitespace a call would trim); from the trigger on,
// the text is held and parsed when the reply ends. What was streamed plus what Finish returns is exactly
// ToolCallParser's content, so a streamed reply equals the one returned whole. Formats whose calls have no trigger in
// free text (Llama 3's bare JSON, the generic JSON envelope) are held from the start.
using System.Text;

namespace Meridian.Engine.Tools;

/// <summary>One choice's text while tools may be called.</summary>
public sealed class ToolCallStreamer(ToolCallFormat format)
{
    private readonly string? _trigger = format is ToolCallFormat.Hermes or ToolCallFormat.Mistral ? format.Trigger() : null;
    private readonly StringBuilder _text = new();
    private readonly StringBuilder _streamed = new();
    private int _sent = -1; // index in _text after the last character streamed (-1: nothing yet)
    private bool _triggered;

    /// <summary>Takes the next piece of the reply; returns the content that may go out now.</summary>
    public string Push(string piece)
    {
        int searchFrom = Math.Max(0, _text.Length - (_trigger?.Length ?? 0));
        _text.Append(piece);
        if (_trigger is null || _triggered)
            return "";
        // Only the text not streamed yet (and the tail a trigger may have begun in) is looked at.
        int from = _sent >= 0 ? Math.Min(_sent, searchFrom) : 0;
        string text = _text.ToString(from, _text.Length - from);
        int at = text.IndexOf(_trigger, searchFrom - from, StringComparison.Ordinal);
        int end = at >= 0 ? at : text.Length - TriggerStart(text);
        _triggered = at >= 0;
        int start = _sent >= 0 ? _sent - from : FirstNonSpace(text);
        int stop = end;
        while (stop > start && char.IsWhiteSpace(text[stop - 1]))
            stop--;
        if (stop <= start)
            return "";
        string chunk = text[start..stop];
        _sent = from + stop;
        _streamed.Append(chunk);
        return chunk;
    }

    /// <summary>At the reply's end: the content not streamed yet, and the calls.</summary>
    public ParsedReply Finish()
    {
        var reply = ToolCallParser.Parse(format, _text.ToString());
        string streamed = _streamed.ToString();
        if (!reply.Content.StartsWith(streamed, StringComparison.Ordinal))
            throw new InvalidOperationException($"streamed content '{streamed}' is not the start of the reply's content '{reply.Content}'");
        return reply with { Content = reply.Content[streamed.Length..] };
    }

    // How many characters at the end of text may be the start of the trigger.
    private int TriggerStart(string text)
    {
        for (int n = Math.Min(_trigger!.Length - 1, text.Length); n > 0; n--)
        {
            if (text.AsSpan(text.Length - n).SequenceEqual(_trigger.AsSpan(0, n)))
                return n;
        }
        return 0;
    }

    private static int FirstNonSpace(string text)
    {
        int i = 0;
        while (i < text.Length && char.IsWhiteSpace(text[i]))
            i++;
        return i;
    }
}
