// `meridian run` and `meridian chat` end to end: the stories260K greedy text against llama2.c run.c's
// exact output, tokenizer discovery beside a llama2.c checkpoint, the 32,000-token tiny Llama 2, errors.
using Meridian.Tests.Shared;

namespace Meridian.Cli.Tests.Run;

public sealed class RunCommandTests
{
    // runc_t0_n200.txt is `./run stories260K.bin -z tok512.bin -t 0 -n 200`: run.c feeds BOS at
    // position 0 and prints the 200 tokens sampled at positions 0..199 (its "steps" count every
    // position, and with an empty prompt each step emits one token), dropping the first piece's
    // leading space after BOS, then a final "\n". `meridian run -n 200` with no prompt generates the
    // same 200 tokens after BOS and also ends with a newline, so the bytes match exactly.
    [SkippableTheory]
    [InlineData("stories260k/stories260K-F32.gguf")]
    [InlineData("stories260k/stories260K.bin")] // finds tok512.bin beside it
    public void Run_Stories260KGreedy_PrintsRunCText(string model)
    {
        string expected = File.ReadAllText(TestData.Require("stories260k/reference/runc_t0_n200.txt"));
        var r = CliRunner.Run("run", "--model", TestData.Require(model), "--temp", "0", "-n", "200", "--threads", "2");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(expected, r.Stdout);
        Assert.Contains("tokens/s", r.Stderr);
    }

    [SkippableFact]
    public void Run_WithPrompt_PrintsOnlyTheContinuation()
    {
        // run.c's greedy continuation of "There was a big" (runc.greedy_prompt_there_was_a_big_64.ids.txt)
        // starts with the tokens after the prompt; the prompt text itself is not echoed.
        string model = TestData.Require("stories260k/stories260K-F32.gguf");
        var r = CliRunner.Run("run", "--model", model, "--prompt", "There was a big", "--temp", "0", "-n", "5");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.DoesNotContain("There was a big", r.Stdout);
        Assert.NotEqual("", r.Stdout.Trim());
    }

    [SkippableFact]
    public void RunAndChat_TinyRandomLlama2_Execute()
    {
        string model = TestData.Require("tiny-random-llama2/llama-2-tiny-random.gguf");
        var run = CliRunner.Run("run", "--model", model, "--prompt", "Hello world", "--temp", "0", "-n", "8");
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.NotEqual("", run.Stdout.Trim());

        var chat = CliRunner.RunWithInput("Hello\nHow are you?\n", "chat", "--model", model, "--system", "Be brief", "--temp", "0", "-n", "6");
        Assert.True(chat.ExitCode == 0, chat.Stderr);
        Assert.Equal(3, chat.Stdout.Split("> ").Length - 1); // two turns, then the prompt that met end of input
    }

    [SkippableFact]
    public void Run_WithoutModelOrBundledModel_SaysPassModel()
    {
        // Once models/demo/meridian-demo.gguf lands, run and chat use it (BundledModelTests); this
        // checks the error a checkout or binary without it gives.
        Skip.IfNot(Meridian.Cli.Run.BundledModel.Find(AppContext.BaseDirectory) is null, "the bundled demo model is present, so run without --model does not fail");
        var r = CliRunner.Run("run", "--prompt", "hi");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("no bundled demo model", r.Stderr);
        Assert.Contains("--model", r.Stderr);
        var c = CliRunner.Run("chat");
        Assert.Equal(1, c.ExitCode);
        Assert.Contains("no bundled demo model", c.Stderr);
    }

    [SkippableFact]
    public void Run_UnsupportedArchitecture_IsRefusedByName()
    {
        // A vocab-only GGUF has no weights and names no supported architecture.
        string path = TestData.Require("vocab/ggml-vocab-gpt-2.gguf");
        var r = CliRunner.Run("run", "--model", path, "-n", "1");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("architecture 'gpt2' is not supported", r.Stderr);
    }
}
