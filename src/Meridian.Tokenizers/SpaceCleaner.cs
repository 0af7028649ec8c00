// clean_up_tokenization_spaces as llama.cpp's detokenize applies it to UTF-8 bytes (src/llama-vocab.cpp):
// drop the space before ? ! . , ; collapse " ' " to "'"; drop the space before 's 'm 're 've.
namespace Meridian.Tokenizers;

internal static class SpaceCleaner
{
    /// <summary>Cleans <paramref name="text"/> in place and returns its new length.</summary>
    public static int Clean(Span<byte> text)
    {
        // Pass 1: " ?", " !", " .", " ," lose the space.
        int n = text.Length, total = n > 0 ? 1 : 0;
        for (int i = 1; i < n; i++)
        {
            byte x = text[i];
            if (text[i - 1] == ' ' && x is (byte)'?' or (byte)'!' or (byte)'.' or (byte)',')
                total--;
            text[total++] = x;
        }

        // Pass 2: a single apostrophe between spaces loses both spaces.
        n = total;
        total = n > 0 ? 1 : 0;
        for (int i = 1; i < n; i++)
        {
            byte x = text[i];
            if (x == '\'' && i + 1 < n && text[i - 1] == ' ' && text[i + 1] == ' ')
            {
                total--;
                text[++i] = 0; // skip the space after it; llama.cpp zeroes it, which later passes can see
            }
            text[total++] = x;
        }

        // Pass 3: " 's", " 'm", " 're", " 've" lose the space (" 't", " 'd", " 'll" keep it).
        n = total;
        total = n > 0 ? 1 : 0;
        for (int i = 1; i < n; i++)
        {
            byte x = text[i];
            if (text[i - 1] == ' ' && x == '\'' && i + 1 < n)
            {
                byte x1 = text[i + 1];
                if (x1 is (byte)'s' or (byte)'m')
                    total--;
                else if (i + 2 < n && ((x1 == 'r' && text[i + 2] == 'e') || (x1 == 'v' && text[i + 2] == 'e')))
                    total--;
            }
            text[total++] = x;
        }
        return total;
    }
}
