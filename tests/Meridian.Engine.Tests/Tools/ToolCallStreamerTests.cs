// Streaming a reply with tools against parsing it whole: for replies with and without calls in each format (calls
// as the real templates render them, text before and after, leading and trailing whitespace, a trigger cut across
// pieces, a false start), cut into pieces at random, what ToolCallStreamer streams plus what Finish returns is
// ToolCallParser's content of the whole reply, the calls are the same, and text before a trigger goes out before
// the trigger has arrived.
using System.Text;
using Meridian.Engine.Tools;

namespace Meridian.Engine.Tests.Tools;

public sealed class ToolCallStreamerTests
{
    private const string Call = "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}";

    public static TheoryData<ToolCallFormat, string> Replies => new()
    {
        { ToolCallFormat.Hermes, "Let me check. <tool_call>\n" + Call + "\n</tool_call>" },
        { ToolCallFormat.Hermes, "\n\n  Let me check.\n\n<tool_call>\n" + Call + "\n</tool_call>\n<tool_call>\n" + Call + "\n</tool_call>" },
        { ToolCallFormat.Hermes, "<tool_call>\n" + Call + "\n</tool_call> and then some words" },
        { ToolCallFormat.Hermes, "Before <tool_call>\n" + Call + "\n</tool_call>\n\nafter, trailing  " },
        { ToolCallFormat.Hermes, "No call at all, just text with a < and <tool_ inside.  " },
        { ToolCallFormat.Hermes, "  A false start <tool_call>\nnot json\n</tool_call> end" },
        { ToolCallFormat.Hermes, "" },
        { ToolCallFormat.Mistral, "Sure. [TOOL_CALLS][" + Call + "]" },
        { ToolCallFormat.Mistral, " [TOOL_CALLS] [" + Call + ", " + Call + "]" },
        { ToolCallFormat.Mistral, "Plain text [TOOL_ and [brackets]" },
        { ToolCallFormat.Llama3Json, "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Oslo\"}}" },
        { ToolCallFormat.Llama3Json, "Just words." },
        { ToolCallFormat.Generic, "{\"tool_calls\": [" + Call + "]}" },
        { ToolCallFormat.Generic, "{\"response\": \"hello\"}" },
    };

    [Theory]
    [MemberData(nameof(Replies))]
    public void StreamedThenFinished_EqualsTheWholeReplyParsed(ToolCallFormat format, string reply)
    {
        var whole = ToolCallParser.Parse(format, reply);
        for (int seed = 0; seed < 20; seed++)
        {
            var rng = new Random(seed);
            var streamer = new ToolCallStreamer(format);
            var streamed = new StringBuilder();
            for (int at = 0; at < reply.Length;)
            {
                int n = seed == 0 ? 1 : Math.Min(reply.Length - at, rng.Next(1, 12));
                streamed.Append(streamer.Push(reply.Substring(at, n)));
                at += n;
            }
            var last = streamer.Finish();
            Assert.Equal(whole.Content, streamed + last.Content);
            Assert.Equal(whole.Calls, last.Calls);
        }
    }

    [Theory]
    [InlineData(ToolCallFormat.Hermes, "Let me check. ", "<tool_call>\n" + Call + "\n</tool_call>")]
    [InlineData(ToolCallFormat.Mistral, "Sure thing. ", "[TOOL_CALLS][" + Call + "]")]
    public void TextBeforeTheTrigger_GoesOutBeforeTheTriggerArrives(ToolCallFormat format, string before, string calls)
    {
        var streamer = new ToolCallStreamer(format);
        Assert.Equal(before.Trim(), streamer.Push(before));
        Assert.Equal("", streamer.Push(calls[..3])); // could be the trigger's start: held
        Assert.Equal("", streamer.Push(calls[3..]));
        var last = streamer.Finish();
        Assert.Equal("", last.Content);
        Assert.Single(last.Calls);
    }
}
