// GPT-2's byte-to-unicode table: each byte value maps to one printable character so byte-level BPE
// tokens are plain strings (openai/gpt-2 encoder.py bytes_to_unicode; llama.cpp unicode_byte_to_utf8).
namespace Meridian.Tokenizers;

internal static class ByteLevelAlphabet
{
    /// <summary>The character that stands for each byte.</summary>
    public static readonly char[] ByteToChar = BuildByteToChar();

    // Inverse of ByteToChar over U+0000..U+0143; -1 where no byte maps.
    private static readonly short[] CharToByteTable = BuildCharToByte();

    /// <summary>The byte <paramref name="c"/> stands for, or -1 when it is not in the alphabet.</summary>
    public static int CharToByte(char c) => c < CharToByteTable.Length ? CharToByteTable[c] : -1;

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        var printable = new bool[256];
        for (int b = 0x21; b <= 0x7E; b++) printable[b] = true;
        for (int b = 0xA1; b <= 0xAC; b++) printable[b] = true;
        for (int b = 0xAE; b <= 0xFF; b++) printable[b] = true;
        int next = 256;
        for (int b = 0; b < 256; b++)
            map[b] = printable[b] ? (char)b : (char)next++;
        return map;
    }

    private static short[] BuildCharToByte()
    {
        var table = new short[0x144];
        Array.Fill(table, (short)-1);
        for (int b = 0; b < 256; b++)
            table[ByteToChar[b]] = (short)b;
        return table;
    }
}
