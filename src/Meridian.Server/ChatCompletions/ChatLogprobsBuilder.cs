// Engine token logprobs -> OpenAI chat logprobs ({content: [{token, logprob, bytes, top_logprobs}]}).
using Meridian.Engine.Serving;
using Meridian.Server.Common;
using Meridian.Tokenizers;

namespace Meridian.Server.ChatCompletions;

internal static class ChatLogprobsBuilder
{
    public static List<ChatTokenLogprob> Convert(Tokenizer tokenizer, IReadOnlyList<TokenLogprob> logprobs)
    {
        var result = new List<ChatTokenLogprob>(logprobs.Count);
        foreach (var lp in logprobs)
        {
            var top = new List<ChatTopLogprob>(lp.Top.Count);
            foreach (var alt in lp.Top)
                top.Add(new ChatTopLogprob(tokenizer.TokenToPiece(alt.TokenId), Finish.Logprob(alt.Logprob), Bytes(tokenizer, alt.TokenId)));
            result.Add(new ChatTokenLogprob(tokenizer.TokenToPiece(lp.TokenId), Finish.Logprob(lp.Logprob), Bytes(tokenizer, lp.TokenId), top));
        }
        return result;
    }

    // A token's UTF-8 bytes: a piece that splits a character reads as U+FFFD in "token" but is exact here.
    private static int[] Bytes(Tokenizer tokenizer, int id)
    {
        var bytes = tokenizer.TokenBytes(id);
        var result = new int[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
            result[i] = bytes[i];
        return result;
    }
}
