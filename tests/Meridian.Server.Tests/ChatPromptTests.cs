// ChatPrompt.Encode against the ChatML text written out by hand (the demo model's template is ChatML too).
using Meridian.Engine.Serving;

namespace Meridian.Server.Tests;

public sealed class ChatPromptTests
{
    private static readonly ChatPromptMessage[] Conversation =
        [new("system", "Be brief."), new("user", "Genesis 1:1?"), new("assistant", "In the beginning"), new("user", "And 1:2?")];

    // ChatML with the assistant turn opened (add_generation_prompt).
    private const string ChatMlText =
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nGenesis 1:1?<|im_end|>\n" +
        "<|im_start|>assistant\nIn the beginning<|im_end|>\n<|im_start|>user\nAnd 1:2?<|im_end|>\n<|im_start|>assistant\n";

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void Encode_DemoTemplateOrChatMlFallback_MatchesHandWrittenChatMl(bool withTemplate)
    {
        var model = DemoModel.Info(withTemplate);
        Assert.Equal(withTemplate, model.ChatTemplate is not null);
        var expected = model.Tokenizer.Encode(ChatMlText, addSpecial: false, parseSpecial: true);
        Assert.False(model.Tokenizer.AddBos); // the demo vocabulary adds no BOS, so nothing is prepended
        Assert.Equal(expected, ChatPrompt.Encode(model, Conversation));
        // The markers are single special tokens, not spelled out as text.
        Assert.True(model.Tokenizer.TryGetTokenId("<|im_start|>", out int imStart));
        Assert.Equal(imStart, ChatPrompt.Encode(model, Conversation)[0]);
    }

    [SkippableFact]
    public void Encode_TemplateRaises_ThrowsTemplateException()
    {
        var model = DemoModel.Info() with
        {
            ChatTemplate = Meridian.Tokenizers.Templates.ChatTemplate.Parse("{{ raise_exception('roles must alternate') }}"),
        };
        var e = Assert.Throws<Meridian.Tokenizers.Templates.TemplateRaiseException>(() => ChatPrompt.Encode(model, Conversation));
        Assert.Equal("roles must alternate", e.Message);
    }
}
