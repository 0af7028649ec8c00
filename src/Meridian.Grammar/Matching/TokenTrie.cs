// The vocabulary as a flat byte trie in depth-first order (llguidance's token trie): node i holds one byte, the ids
// of the tokens that end there, and the size of its subtree, so a walk that finds a byte disallowed skips the whole
// subtree by jumping ahead. The mask of a step is one walk, feeding each node's byte to the matcher and undoing it.
namespace Meridian.Grammar.Matching;

/// <summary>Tokens' byte strings as a trie; tokens with no bytes (special tokens) are not in it.</summary>
public sealed class TokenTrie
{
    private readonly byte[] _byte;      // [nodes] the byte on the edge into node i (node 0: the root, unused)
    private readonly int[] _subtree;    // [nodes] nodes in i's subtree, itself included
    private readonly int[] _depth;      // [nodes] bytes from the root
    private readonly int[] _tokenStart; // [nodes + 1] node i's tokens are _tokens[_tokenStart[i] .. _tokenStart[i+1])
    private readonly int[] _tokens;

    /// <summary>Builds the trie of <paramref name="vocabSize"/> tokens whose bytes <paramref name="bytesOf"/> gives.</summary>
    public TokenTrie(int vocabSize, Func<int, byte[]> bytesOf)
    {
        ArgumentNullException.ThrowIfNull(bytesOf);
        VocabSize = vocabSize;
        var entries = new List<(byte[] Bytes, int Id)>();
        for (int id = 0; id < vocabSize; id++)
        {
            var b = bytesOf(id);
            if (b.Length > 0)
                entries.Add((b, id));
        }
        entries.Sort((x, y) =>
        {
            int c = x.Bytes.AsSpan().SequenceCompareTo(y.Bytes);
            return c != 0 ? c : x.Id.CompareTo(y.Id);
        });
        var nodeByte = new List<byte> { 0 };
        var depth = new List<int> { 0 };
        var tokensAt = new List<List<int>> { new() };
        var path = new List<int> { 0 }; // node ids along the current path, root first
        byte[] previous = [];
        foreach (var (bytes, id) in entries)
        {
            int common = 0;
            while (common < previous.Length && common < bytes.Length && previous[common] == bytes[common])
                common++;
            path.RemoveRange(common + 1, path.Count - common - 1);
            for (int i = common; i < bytes.Length; i++)
            {
                nodeByte.Add(bytes[i]);
                depth.Add(i + 1);
                tokensAt.Add([]);
                path.Add(nodeByte.Count - 1);
            }
            tokensAt[path[^1]].Add(id);
            previous = bytes;
        }
        int n = nodeByte.Count;
        _byte = [.. nodeByte];
        _depth = [.. depth];
        _subtree = new int[n];
        // In depth-first order a node's subtree is the run of following nodes that are deeper than it.
        var open = new Stack<int>();
        for (int i = 0; i < n; i++)
        {
            while (open.Count > 0 && _depth[open.Peek()] >= _depth[i])
            {
                int j = open.Pop();
                _subtree[j] = i - j;
            }
            open.Push(i);
        }
        while (open.Count > 0)
        {
            int j = open.Pop();
            _subtree[j] = n - j;
        }
        _tokenStart = new int[n + 1];
        var all = new List<int>();
        for (int i = 0; i < n; i++)
        {
            _tokenStart[i] = all.Count;
            all.AddRange(tokensAt[i]);
        }
        _tokenStart[n] = all.Count;
        _tokens = [.. all];
        MaxDepth = n > 1 ? _depth.Max() : 0;
    }

    public int VocabSize { get; }

    /// <summary>Bytes of the longest token.</summary>
    public int MaxDepth { get; }

    /// <summary>
    /// Sets bit id of <paramref name="mask"/> (one bit per token, 64 per word) for every token whose bytes the matcher
    /// accepts from where it is; the matcher is back where it was afterwards. While the bytes only extend the lexeme
    /// under way (a string's text, a number's digits), the walk follows the lexer's DFA alone, one array lookup a
    /// byte, as llguidance's does; the matcher (and its parser) is consulted only where a byte cannot extend the
    /// lexeme, which may end it there.
    /// </summary>
    internal void Walk(GrammarMatcher matcher, Span<ulong> mask)
    {
        var root = matcher.Position;
        var lexer = matcher.Lexer;
        var saved = new MatchPosition[MaxDepth + 1]; // matcher positions along the path, where it left the lexer alone
        var lex = new int[MaxDepth + 1];             // lexer states along the path while it stays inside the lexeme
        var pure = new bool[MaxDepth + 1];
        saved[0] = root;
        lex[0] = root.Lexer;
        pure[0] = true;
        int i = 1;
        while (i < _byte.Length)
        {
            int d = _depth[i];
            byte b = _byte[i];
            if (pure[d - 1])
            {
                int next = lexer.Next(lex[d - 1], b);
                if (next != LexerStates.Dead)
                {
                    lex[d] = next;
                    pure[d] = true;
                    Mark(i, mask);
                    i++;
                    continue;
                }
                // The byte cannot extend the lexeme: whether it may end it here is the parser's question.
                if (lexer.Accepting(lex[d - 1]).Length == 0)
                {
                    i += _subtree[i];
                    continue;
                }
                matcher.Reset(new MatchPosition(lex[d - 1], d > 1 || root.InLexeme, root.Sets));
            }
            else
            {
                matcher.Reset(saved[d - 1]);
            }
            if (!matcher.TryByte(b))
            {
                i += _subtree[i];
                continue;
            }
            saved[d] = matcher.Position;
            pure[d] = false;
            Mark(i, mask);
            i++;
        }
        matcher.Reset(root);
    }

    private void Mark(int node, Span<ulong> mask)
    {
        for (int t = _tokenStart[node]; t < _tokenStart[node + 1]; t++)
            mask[_tokens[t] >> 6] |= 1UL << (_tokens[t] & 63);
    }
}
