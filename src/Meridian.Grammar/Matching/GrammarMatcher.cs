// One request's position in a grammar: the Earley parser over the lexemes completed so far and the lexer state of
// the lexeme in progress. Bytes are fed one at a time; a lexeme extends while its DFA can (lexemes are greedy, as
// llguidance's are), and ends when the next byte cannot extend it, that byte then starting the next lexeme.
// Everything can be undone back to a saved Position, which the token-mask walk does at every trie node.
using Meridian.Grammar.Cfg;

namespace Meridian.Grammar.Matching;

/// <summary>Where a matcher is: lexer state, whether the current lexeme has any bytes yet, and the parser's set count.</summary>
internal readonly record struct MatchPosition(int Lexer, bool InLexeme, int Sets);

internal sealed class GrammarMatcher
{
    private readonly LexerStates _lexer;
    private readonly EarleyParser _parser;
    private readonly List<int> _startOfSet = []; // [set] lexer start state for the set's expected lexemes
    private readonly Dictionary<int[], int> _startOf = new(ReferenceEqualityComparer.Instance); // by the parser's (cached, shared) expected arrays
    private int _lexState;
    private bool _inLexeme;

    public GrammarMatcher(CfgGrammar grammar, LexerStates lexer)
    {
        _lexer = lexer;
        _parser = new EarleyParser(grammar);
        _lexState = StartOfCurrentSet();
    }

    public MatchPosition Position => new(_lexState, _inLexeme, _parser.SetCount);

    /// <summary>The lexer's DFA (shared by the trie walk, which follows it alone inside a lexeme).</summary>
    public LexerStates Lexer => _lexer;

    public void Reset(MatchPosition p)
    {
        _parser.Truncate(p.Sets);
        if (_startOfSet.Count > p.Sets)
            _startOfSet.RemoveRange(p.Sets, _startOfSet.Count - p.Sets);
        _lexState = p.Lexer;
        _inLexeme = p.InLexeme;
    }

    /// <summary>Inside a lexeme whose lexer state every string-text token leads back to (TokenVocabulary's slice applies).</summary>
    public bool InSliceLoop() => _inLexeme && _lexer.SliceLoops(_lexState);

    /// <summary>Feeds one byte; false (and no change) when the grammar does not allow it here.</summary>
    public bool TryByte(byte b)
    {
        int next = _lexer.Next(_lexState, b);
        if (next != LexerStates.Dead)
        {
            _lexState = next;
            _inLexeme = true;
            return true;
        }
        if (!_inLexeme)
            return false;
        var done = _lexer.Accepting(_lexState);
        if (done.Length == 0)
            return false;
        var saved = Position;
        if (!_parser.Scan(done))
            return false;
        next = _lexer.Next(StartOfCurrentSet(), b);
        if (next == LexerStates.Dead)
        {
            Reset(saved);
            return false;
        }
        _lexState = next;
        _inLexeme = true;
        return true;
    }

    /// <summary>Feeds bytes; false (and no change) unless all are allowed.</summary>
    public bool TryBytes(ReadOnlySpan<byte> bytes)
    {
        var saved = Position;
        foreach (byte b in bytes)
        {
            if (!TryByte(b))
            {
                Reset(saved);
                return false;
            }
        }
        return true;
    }

    /// <summary>The bytes so far are a whole sentence of the grammar (the output may end here).</summary>
    public bool CanEnd()
    {
        if (!_inLexeme)
            return _parser.Accepting;
        var done = _lexer.Accepting(_lexState);
        if (done.Length == 0)
            return false;
        var saved = Position;
        bool can = _parser.Scan(done) && _parser.Accepting;
        Reset(saved);
        return can;
    }

    private int StartOfCurrentSet()
    {
        while (_startOfSet.Count < _parser.SetCount)
            _startOfSet.Add(-1);
        int i = _parser.SetCount - 1;
        if (_startOfSet[i] < 0)
        {
            var expected = _parser.Expected;
            if (!_startOf.TryGetValue(expected, out int start))
            {
                if (_startOf.Count > 50_000)
                    _startOf.Clear();
                start = _lexer.Start(expected);
                _startOf[expected] = start;
            }
            _startOfSet[i] = start;
        }
        return _startOfSet[i];
    }
}
