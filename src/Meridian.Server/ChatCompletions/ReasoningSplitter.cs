// Reasoning models' "<think>…</think>" kept apart from the answer (DeepSeek-R1, Qwen3, QwQ): text inside the tags is
// the reply's reasoning_content, streamed as its own deltas, and never part of content. A template that opens the tag
// in the prompt (the generation prompt ends with "<think>") starts inside it, so the output holds only "</think>"
// (vLLM #13375 and sglang #4539 leak such reasoning into content). Tags split across stream pieces are held back
// until they are whole. Used for models whose vocabulary has both tags as tokens.
using System.Runtime.CompilerServices;
using System.Text;
using Meridian.Tokenizers;

namespace Meridian.Server.ChatCompletions;

internal sealed class ReasoningSplitter
{
    public const string Open = "<think>", Close = "</think>";

    private static readonly ConditionalWeakTable<Tokenizer, StrongBox<bool>> HasTags = new();

    private readonly StringBuilder _pending = new();
    private Phase _phase;
    private bool _trimAnswer; // right after "</think>": drop the whitespace before the answer

    public ReasoningSplitter(bool startsInside) => _phase = startsInside ? Phase.Thinking : Phase.Start;

    private enum Phase { Start, Thinking, Answer }

    /// <summary>The splitter for one reply of <paramref name="tokenizer"/>'s model, or null when its vocabulary has no think tags.</summary>
    public static ReasoningSplitter? For(Tokenizer tokenizer, ReadOnlySpan<int> prompt)
    {
        bool has = HasTags.GetValue(tokenizer, t =>
        {
            bool open = false, close = false;
            for (int id = 0; id < t.VocabSize; id++)
            {
                string text = t.TokenText(id);
                open |= text == Open;
                close |= text == Close;
            }
            return new StrongBox<bool>(open && close);
        }).Value;
        if (!has)
            return null;
        // The generation prompt's tail, as text: does the template leave a "<think>" open?
        string tail = tokenizer.Decode(prompt[Math.Max(0, prompt.Length - 8)..]).TrimEnd();
        int open = tail.LastIndexOf(Open, StringComparison.Ordinal);
        return new ReasoningSplitter(open >= 0 && open + Open.Length == tail.Length);
    }

    /// <summary>Whether any reasoning was seen (the reply then carries reasoning_content).</summary>
    public bool SawReasoning { get; private set; }

    /// <summary>The reasoning and the answer text that <paramref name="text"/> completes.</summary>
    public (string Reasoning, string Content) Push(string text)
    {
        _pending.Append(text);
        var reasoning = new StringBuilder();
        var content = new StringBuilder();
        Drain(reasoning, content, final: false);
        return (reasoning.ToString(), content.ToString());
    }

    /// <summary>Whatever is held back, at the end of the reply (an unclosed think is reasoning).</summary>
    public (string Reasoning, string Content) Flush()
    {
        var reasoning = new StringBuilder();
        var content = new StringBuilder();
        Drain(reasoning, content, final: true);
        return (reasoning.ToString(), content.ToString());
    }

    private void Drain(StringBuilder reasoning, StringBuilder content, bool final)
    {
        while (_pending.Length > 0)
        {
            string s = _pending.ToString();
            switch (_phase)
            {
                case Phase.Start:
                {
                    string lead = s.TrimStart();
                    if (lead.StartsWith(Open, StringComparison.Ordinal))
                    {
                        _pending.Clear().Append(lead[Open.Length..]);
                        _phase = Phase.Thinking;
                        SawReasoning = true;
                        continue;
                    }
                    if (!final && (lead.Length == 0 || Open.StartsWith(lead, StringComparison.Ordinal)))
                        return; // may still become "<think>"
                    _phase = Phase.Answer;
                    continue;
                }
                case Phase.Thinking:
                {
                    SawReasoning = true;
                    int end = s.IndexOf(Close, StringComparison.Ordinal);
                    if (end >= 0)
                    {
                        reasoning.Append(s, 0, end);
                        _pending.Clear().Append(s[(end + Close.Length)..]);
                        _phase = Phase.Answer;
                        _trimAnswer = true;
                        continue;
                    }
                    int keep = final ? 0 : PartialTag(s, Close);
                    reasoning.Append(s, 0, s.Length - keep);
                    _pending.Clear().Append(s[(s.Length - keep)..]);
                    return;
                }
                default:
                {
                    if (_trimAnswer)
                    {
                        string trimmed = s.TrimStart();
                        if (trimmed.Length == 0 && !final)
                        {
                            _pending.Clear();
                            return;
                        }
                        s = trimmed;
                        _trimAnswer = false;
                    }
                    content.Append(s);
                    _pending.Clear();
                    return;
                }
            }
        }
    }

    // The longest end of s that is a proper start of tag (held back until the next piece says whether the tag follows).
    private static int PartialTag(string s, string tag)
    {
        for (int n = Math.Min(tag.Length - 1, s.Length); n > 0; n--)
        {
            if (string.CompareOrdinal(s, s.Length - n, tag, 0, n) == 0)
                return n;
        }
        return 0;
    }
}
