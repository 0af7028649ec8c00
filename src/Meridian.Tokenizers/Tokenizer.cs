// The tokenizer: text <-> token ids with llama.cpp's results for GGUF vocabularies (src/llama-vocab.cpp,
// llama_vocab::impl::tokenize / detokenize). Subclasses hold the algorithm (SentencePiece-BPE or
// byte-level BPE); this file holds the shared public surface and special-token handling.
using System.Text;

namespace Meridian.Tokenizers;

/// <summary>
/// Encodes text to token ids and decodes ids to text. Build one with <see cref="Create"/>; an instance is
/// immutable apart from internal caches and safe to use from many threads at once.
/// </summary>
public abstract partial class Tokenizer
{
    private protected Tokenizer(TokenizerSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Spec = spec;
        Vocab = new Vocabulary(spec);
        (_pieceData, _pieceStart) = BuildPieces(Vocab, spec.Kind);
        _specials = new SpecialTokenMatcher(Vocab);
    }

    private protected Vocabulary Vocab { get; }

    /// <summary>Builds the tokenizer a spec describes; throws <see cref="TokenizerException"/> naming what is wrong with it.</summary>
    public static Tokenizer Create(TokenizerSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Kind switch
        {
            TokenizerKind.SentencePieceBpe => new SentencePieceBpeTokenizer(spec),
            TokenizerKind.ByteLevelBpe => new ByteLevelBpeTokenizer(spec),
            _ => throw new TokenizerException($"tokenizer kind {spec.Kind} is not supported"),
        };
    }

    /// <summary>The spec this tokenizer was built from.</summary>
    public TokenizerSpec Spec { get; }

    /// <summary>The algorithm.</summary>
    public TokenizerKind Kind => Spec.Kind;

    /// <summary>Number of tokens.</summary>
    public int VocabSize => Vocab.Count;

    /// <summary>Beginning-of-sequence id, or <see cref="TokenizerSpec.NoToken"/>.</summary>
    public int BosId => Vocab.BosId;

    /// <summary>End-of-sequence id, or <see cref="TokenizerSpec.NoToken"/>.</summary>
    public int EosId => Vocab.EosId;

    /// <summary>End-of-turn id (from the file, else found by text as llama.cpp does), or <see cref="TokenizerSpec.NoToken"/>.</summary>
    public int EotId => Vocab.EotId;

    /// <summary>Unknown-token id, or <see cref="TokenizerSpec.NoToken"/>.</summary>
    public int UnkId => Vocab.UnkId;

    /// <summary>Padding id, or <see cref="TokenizerSpec.NoToken"/>.</summary>
    public int PadId => Vocab.PadId;

    /// <summary>Whether <see cref="Encode(string, bool, bool)"/> with addSpecial prepends BOS.</summary>
    public bool AddBos => Spec.AddBos;

    /// <summary>Whether <see cref="Encode(string, bool, bool)"/> with addSpecial appends EOS.</summary>
    public bool AddEos => Spec.AddEos;

    /// <summary>Every id that ends generation, ascending.</summary>
    public IReadOnlyList<int> EndOfGenerationIds => Vocab.EndOfGenerationIds;

    /// <summary>True when generating <paramref name="id"/> should stop generation (EOS, EOT, &lt;|im_end|&gt;, ...).</summary>
    public bool IsEndOfGeneration(int id) => Vocab.IsEndOfGeneration(id);

    /// <summary>True for a control or unknown token: not rendered by decode with skipSpecial, matched in text only with parseSpecial.</summary>
    public bool IsControl(int id) => Vocab.Has(CheckedId(id), TokenAttributes.Control | TokenAttributes.Unknown);

    /// <summary>The vocabulary text of <paramref name="id"/> (U+2581 / byte-level alphabet as stored).</summary>
    public string TokenText(int id) => Vocab.Texts[CheckedId(id)];

    /// <summary>Looks up the id whose vocabulary text is exactly <paramref name="text"/>.</summary>
    public bool TryGetTokenId(ReadOnlySpan<char> text, out int id) => Vocab.Lookup.TryGetValue(text, out id);

    /// <summary>
    /// Encodes <paramref name="text"/>. <paramref name="addSpecial"/> adds BOS/EOS as the file's flags say;
    /// <paramref name="parseSpecial"/> lets control tokens written in the text (e.g. &lt;|im_start|&gt;) become their ids.
    /// User-defined tokens are always matched, as in llama.cpp and Hugging Face.
    /// </summary>
    public int[] Encode(string text, bool addSpecial = false, bool parseSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 4);
        Encode(text.AsSpan(), ids, addSpecial, parseSpecial);
        return ids.ToArray();
    }

    /// <summary>Encodes <paramref name="text"/>, appending the ids to <paramref name="output"/>.</summary>
    public void Encode(ReadOnlySpan<char> text, List<int> output, bool addSpecial = false, bool parseSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        string? sanitized = ReplaceLoneSurrogates(text);
        if (sanitized is not null)
            text = sanitized;

        if (addSpecial && Spec.AddBos)
            output.Add(Vocab.BosId);
        if (!text.IsEmpty)
        {
            var fragments = _specials.Partition(text, parseSpecial);
            if (fragments is null)
            {
                EncodeText(text, output, afterSpecial: true);
            }
            else
            {
                bool afterSpecial = true;
                foreach (var f in fragments)
                {
                    if (f.TokenId >= 0)
                    {
                        output.Add(f.TokenId);
                        afterSpecial = true;
                    }
                    else
                    {
                        EncodeText(text.Slice(f.Start, f.Length), output, afterSpecial);
                        afterSpecial = false;
                    }
                }
            }
        }
        if (addSpecial && Spec.AddEos)
            output.Add(Vocab.EosId);
    }

    /// <summary>
    /// Encodes one stretch of text that holds no special token. <paramref name="afterSpecial"/> is true for
    /// the start of the input and right after a special token (SentencePiece adds its space prefix there).
    /// </summary>
    private protected abstract void EncodeText(ReadOnlySpan<char> text, List<int> output, bool afterSpecial);

    private protected int CheckedId(int id) =>
        (uint)id < (uint)Vocab.Count ? id : throw new TokenizerException($"token id {id} is outside the vocabulary of {Vocab.Count} tokens");

    // A lone surrogate has no UTF-8 form; like UTF-8 conversion elsewhere it becomes U+FFFD. Null: nothing to replace.
    private static string? ReplaceLoneSurrogates(ReadOnlySpan<char> text)
    {
        int first = text.IndexOfAnyInRange('\uD800', '\uDFFF');
        if (first < 0)
            return null;
        char[]? copy = null;
        for (int i = first; i < text.Length; i++)
        {
            char c = text[i];
            if (!char.IsSurrogate(c))
                continue;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            copy ??= text.ToArray();
            copy[i] = '\uFFFD';
        }
        return copy is null ? null : new string(copy);
    }

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);
}
