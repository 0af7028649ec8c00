// tokenizer.bin: tok512 against run.c's own output (decoding run.c's greedy ids reproduces the
// text run.c printed), its SentencePiece layout, and hostile files built in the test.
using System.Buffers.Binary;
using System.Text.RegularExpressions;
using System.Text;
using Meridian.Core;
using Meridian.Formats.Llama2C;
using Meridian.Tests.Shared;

namespace Meridian.Formats.Tests.Llama2C;

public class Llama2CTokenizerTests
{
    [SkippableFact]
    public void Load_Tok512_HasSentencePieceLayout()
    {
        var tok = Llama2CTokenizer.Load(TestData.Require("stories260k/tok512.bin"), 512);
        Assert.Equal(512, tok.Count);
        Assert.Equal(7, tok.MaxTokenLength);
        // llama2.c's tokenizer.py export wraps BOS/EOS in newlines.
        Assert.Equal(["<unk>", "\n<s>\n", "\n</s>\n"], tok.Tokens.Take(3));
        // SentencePiece byte fallback: ids 3..258 are <0x00>..<0xFF>.
        for (int b = 0; b < 256; b++)
            Assert.Equal($"<0x{b:X2}>", tok.Tokens[3 + b]);
        // BPE pieces follow, scored by merge rank: id 259 + k has score -k.
        for (int id = 259; id < 512; id++)
            Assert.Equal(259 - id, tok.Scores[id]);
        Assert.Equal(" t", tok.Tokens[259]);
        Assert.Equal([0xE2, 0x80, 0x8A], tok.TokenBytes[511]); // U+200A HAIR SPACE
    }

    [SkippableFact]
    public void Load_Tok512WithoutCount_ReadsToEndOfFile()
    {
        var tok = Llama2CTokenizer.Load(TestData.Require("stories260k/tok512.bin"));
        Assert.Equal(512, tok.Count);
    }

    [SkippableFact]
    public void Load_Tok512_DecodesRunCGreedyIdsToRunCText()
    {
        var tok = Llama2CTokenizer.Load(TestData.Require("stories260k/tok512.bin"), 512);
        string ids = File.ReadAllLines(TestData.Require("stories260k/reference/runc.greedy_bos_200.ids.txt"))[1];
        int[] sequence = ids.Split(' ')[1..].Select(int.Parse).ToArray();
        byte[] expected = File.ReadAllBytes(TestData.Require("stories260k/reference/runc_t0_n200.txt"));

        // run.c decode(): drop a leading space after BOS (id 1), turn "<0xXX>" into the byte;
        // generate() prints each piece after the first token, then a final "\n".
        var text = new List<byte>();
        for (int i = 1; i < sequence.Length; i++)
        {
            byte[] piece = tok.TokenBytes[sequence[i]];
            if (sequence[i - 1] == 1 && piece.Length > 0 && piece[0] == (byte)' ')
                piece = piece[1..];
            var m = Regex.Match(Encoding.ASCII.GetString(piece), "^<0x([0-9A-F]{2})>$");
            text.AddRange(m.Success ? [Convert.ToByte(m.Groups[1].Value, 16)] : piece);
        }
        text.Add((byte)'\n');
        Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString([.. text]));
    }

    /// <summary>max_token_length, then (score, length, bytes) per token, as tokenizer.py writes.</summary>
    private static byte[] Build(int maxLen, params (float Score, byte[] Bytes)[] tokens)
    {
        var s = new MemoryStream();
        var w = new BinaryWriter(s);
        w.Write(maxLen);
        foreach (var (score, bytes) in tokens)
        {
            w.Write(score);
            w.Write(bytes.Length);
            w.Write(bytes);
        }
        return s.ToArray();
    }

    private static string WriteFile(TempDir dir, byte[] bytes)
    {
        string path = dir.File("tokenizer.bin");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Load_HandBuiltFile_ReadsScoresAndBytes()
    {
        using var dir = new TempDir();
        string path = WriteFile(dir, Build(3, (0f, "a"u8.ToArray()), (-1.5f, [0xC3, 0xA9]), (2f, [])));
        var tok = Llama2CTokenizer.Load(path, 3);
        Assert.Equal(["a", "é", ""], tok.Tokens);
        Assert.Equal([0f, -1.5f, 2f], tok.Scores);
    }

    private static ModelFormatException Refuse(byte[] bytes, int? vocab)
    {
        using var dir = new TempDir();
        string path = WriteFile(dir, bytes);
        var ex = Assert.Throws<ModelFormatException>(() => vocab is int n ? Llama2CTokenizer.Load(path, n) : Llama2CTokenizer.Load(path));
        Assert.Contains(path, ex.Message);
        return ex;
    }

    [Fact]
    public void Load_FewerTokensThanVocab_NamesBothCounts()
    {
        var ex = Refuse(Build(1, (0f, "a"u8.ToArray())), 2);
        Assert.Contains("after 1 tokens, but the model's vocab_size is 2", ex.Message);
    }

    [Fact]
    public void Load_HugeClaimedVocab_FailsWithoutAllocatingIt()
    {
        var ex = Refuse(Build(1, (0f, "a"u8.ToArray())), int.MaxValue);
        Assert.Contains("vocab_size is 2147483647", ex.Message);
    }

    [Fact]
    public void Load_MoreTokensThanVocab_IsRefused()
    {
        var ex = Refuse(Build(1, (0f, "a"u8.ToArray()), (0f, "b"u8.ToArray())), 1);
        Assert.Contains("9 bytes remain after token 0", ex.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void Load_NonPositiveMaxTokenLength_IsRefused(int maxLen)
    {
        Assert.Contains($"max_token_length (byte 0) is {maxLen}", Refuse(Build(maxLen), null).Message);
    }

    [Fact]
    public void Load_NegativeTokenLength_IsRefused()
    {
        byte[] bytes = Build(4, (0f, "ab"u8.ToArray()));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), -1); // token 0's length at byte 8
        Assert.Contains("token 0 length (byte 8) is -1", Refuse(bytes, null).Message);
    }

    [Fact]
    public void Load_TokenLongerThanMax_IsRefused()
    {
        Assert.Contains("token 0 length (byte 8) is 3, outside 0..max_token_length 2", Refuse(Build(2, (0f, "abc"u8.ToArray())), null).Message);
    }

    [Fact]
    public void Load_TokenBytesPastEndOfFile_IsRefused()
    {
        byte[] bytes = Build(100, (0f, "ab"u8.ToArray()));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), 50); // claims 50 bytes, 2 remain
        Assert.Contains("token 0 needs 50 bytes at byte 12, but only 2 remain", Refuse(bytes, null).Message);
    }

    [Fact]
    public void Load_CutOffTokenHeader_IsRefused()
    {
        byte[] bytes = [.. Build(2, (0f, "a"u8.ToArray())), 1, 2, 3];
        Assert.Contains("token 1 at byte 13 is cut off", Refuse(bytes, null).Message);
    }

    [Fact]
    public void Load_TooShortForHeader_IsRefused()
    {
        Assert.Contains("too short", Refuse([7, 0], null).Message);
    }
}
