// A [Start, Start + Length) range of UTF-16 code units in the text being pre-tokenized.
namespace Meridian.Tokenizers.PreTokenization;

/// <summary>One pre-tokenizer word: a range of the input text in UTF-16 code units.</summary>
internal readonly record struct Segment(int Start, int Length)
{
    public int End => Start + Length;
}
