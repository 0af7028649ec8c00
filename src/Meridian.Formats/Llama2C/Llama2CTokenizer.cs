// Reader for llama2.c tokenizer.bin: int32 max_token_length, then per token f32 score,
// int32 byte length, bytes. Facts from karpathy/llama2.c run.c build_tokenizer and tokenizer.py export.
using System.Buffers.Binary;
using System.Text;
using Meridian.Core;

namespace Meridian.Formats.Llama2C;

/// <summary>
/// The vocabulary of a llama2.c tokenizer.bin: token bytes, their UTF-8 text and merge scores.
/// The file does not store the token count, so either give it (as run.c does, from the
/// checkpoint) or read to the end of the file. Plain data: encoding and decoding live in
/// Meridian.Tokenizers.
/// </summary>
public sealed class Llama2CTokenizer
{
    /// <summary>Largest tokenizer.bin accepted (Llama 2's is 434 KB).</summary>
    public const long MaxFileBytes = 256L << 20;

    private Llama2CTokenizer(int maxTokenLength, List<byte[]> bytes, List<float> scores)
    {
        MaxTokenLength = maxTokenLength;
        TokenBytes = bytes;
        Scores = scores;
        var text = new string[bytes.Count];
        for (int i = 0; i < text.Length; i++)
            text[i] = Encoding.UTF8.GetString(bytes[i]); // invalid UTF-8 becomes U+FFFD in the text form only
        Tokens = text;
    }

    /// <summary>The file's max_token_length: no token is longer, in bytes.</summary>
    public int MaxTokenLength { get; }

    /// <summary>Each token's bytes, by id. Treat the arrays as read-only.</summary>
    public IReadOnlyList<byte[]> TokenBytes { get; }

    /// <summary>Each token's bytes decoded as UTF-8, by id.</summary>
    public IReadOnlyList<string> Tokens { get; }

    /// <summary>Each token's merge score, by id.</summary>
    public IReadOnlyList<float> Scores { get; }

    /// <summary>Number of tokens.</summary>
    public int Count => TokenBytes.Count;

    /// <summary>
    /// Reads exactly <paramref name="vocabSize"/> tokens and requires the file to end there (a
    /// different count usually means the tokenizer does not belong to the model).
    /// </summary>
    public static Llama2CTokenizer Load(string path, int vocabSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabSize);
        return Read(path, vocabSize);
    }

    /// <summary>Reads tokens until the end of the file.</summary>
    public static Llama2CTokenizer Load(string path) => Read(path, null);

    private static Llama2CTokenizer Read(string path, int? vocabSize)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
            throw new FileNotFoundException($"no such file: {path}", path);
        if (info.Length > MaxFileBytes)
            throw new ModelFormatException($"{path}: {info.Length} bytes is too large for a tokenizer.bin (limit {MaxFileBytes})");
        byte[] file = File.ReadAllBytes(path);
        if (file.Length < 4)
            throw new ModelFormatException($"{path}: {file.Length} bytes is too short for the max_token_length field");
        int maxLen = BinaryPrimitives.ReadInt32LittleEndian(file);
        if (maxLen <= 0)
            throw new ModelFormatException($"{path}: max_token_length (byte 0) is {maxLen}, expected a positive length");

        // Every token takes at least 8 bytes (score + length), which bounds the lists whatever vocabSize claims.
        int capacity = (int)Math.Min(vocabSize ?? int.MaxValue, (file.Length - 4) / 8);
        var bytes = new List<byte[]>(capacity);
        var scores = new List<float>(capacity);
        long pos = 4;
        while (vocabSize is int n ? bytes.Count < n : pos < file.Length)
        {
            int id = bytes.Count;
            if (file.Length - pos < 8)
                throw new ModelFormatException(vocabSize is int want
                    ? $"{path}: file ends at byte {pos} after {id} tokens, but the model's vocab_size is {want}"
                    : $"{path}: token {id} at byte {pos} is cut off: {file.Length - pos} bytes left, its header needs 8");
            float score = BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan((int)pos));
            int len = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan((int)pos + 4));
            if (len < 0 || len > maxLen)
                throw new ModelFormatException($"{path}: token {id} length (byte {pos + 4}) is {len}, outside 0..max_token_length {maxLen}");
            pos += 8;
            if (file.Length - pos < len)
                throw new ModelFormatException($"{path}: token {id} needs {len} bytes at byte {pos}, but only {file.Length - pos} remain");
            bytes.Add(file.AsSpan((int)pos, len).ToArray());
            scores.Add(score);
            pos += len;
        }
        if (pos != file.Length)
            throw new ModelFormatException($"{path}: {file.Length - pos} bytes remain after token {bytes.Count - 1} (byte {pos}); the file holds more than vocab_size {vocabSize} tokens");
        return new Llama2CTokenizer(maxLen, bytes, scores);
    }
}
