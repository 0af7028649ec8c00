// Runs a byte-level BPE pre-tokenizer: a list of split regexes applied in sequence, each refining the
// words of the one before (llama.cpp unicode_regex_split). The GPT-2, Llama 3 and Qwen2 patterns run on
// hand-written splitters; anything else on RegexSplitStep.
namespace Meridian.Tokenizers.PreTokenization;

internal sealed class PreTokenizer
{
    private enum StepKind { Gpt2, Llama3, Qwen2, Regex }

    private readonly (StepKind Kind, RegexSplitStep? Regex)[] _steps;

    private PreTokenizer((StepKind, RegexSplitStep?)[] steps) => _steps = steps;

    /// <summary>Builds the pre-tokenizer for <paramref name="regexes"/> (llama.cpp dialect, or tokenizer.json's for the known patterns).</summary>
    public static PreTokenizer Create(IReadOnlyList<string> regexes)
    {
        if (regexes.Count == 0)
            throw new TokenizerException("a byte-level BPE pre-tokenizer needs at least one split regex");
        var steps = new (StepKind, RegexSplitStep?)[regexes.Count];
        for (int i = 0; i < steps.Length; i++)
        {
            steps[i] = regexes[i] switch
            {
                Gpt2Splitter.Pattern => (StepKind.Gpt2, null),
                Llama3Splitter.Pattern or Llama3Splitter.HfPattern => (StepKind.Llama3, null),
                Llama3Splitter.Qwen2Pattern or Llama3Splitter.Qwen2HfPattern => (StepKind.Qwen2, null),
                var p => (StepKind.Regex, RegexSplitStep.For(p)),
            };
        }
        return new PreTokenizer(steps);
    }

    /// <summary>Appends the words of <paramref name="text"/> to <paramref name="words"/> (cleared first).</summary>
    public void Split(ReadOnlySpan<char> text, List<Segment> words, List<Segment> scratch)
    {
        words.Clear();
        if (text.IsEmpty)
            return;
        if (_steps.Length == 1)
        {
            RunStep(0, text, new Segment(0, text.Length), words);
            return;
        }
        List<Segment> current = scratch, next = words;
        current.Clear();
        current.Add(new Segment(0, text.Length));
        for (int s = 0; s < _steps.Length; s++)
        {
            next.Clear();
            if (_steps[s].Kind == StepKind.Regex)
                _steps[s].Regex!.SplitAll(text, current, next);
            else
                foreach (var seg in current)
                    RunStep(s, text, seg, next);
            (current, next) = (next, current);
        }
        if (!ReferenceEquals(current, words))
        {
            words.Clear();
            words.AddRange(current);
        }
    }

    private void RunStep(int s, ReadOnlySpan<char> text, Segment seg, List<Segment> output)
    {
        switch (_steps[s].Kind)
        {
            case StepKind.Gpt2:
                Gpt2Splitter.Split(text, seg, output);
                break;
            case StepKind.Llama3:
                Llama3Splitter.Split(text, seg, output, maxDigits: 3);
                break;
            case StepKind.Qwen2:
                Llama3Splitter.Split(text, seg, output, maxDigits: 1);
                break;
            default:
                _steps[s].Regex!.SplitAll(text, [seg], output);
                break;
        }
    }
}
