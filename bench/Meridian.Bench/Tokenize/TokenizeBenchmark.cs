// Times whole-text encodes of War and Peace by ours and the peers, in one process and interleaved: each rep
// runs every engine's warm encode, then every engine's decode, then every engine's cold encode (a fresh
// instance built outside the timer, so its word cache is empty; the JIT is warm by then for all engines).
using System.Diagnostics;
using System.Text;
using Meridian.Models.Tokenizers;
using Meridian.Tokenizers;

namespace Meridian.Bench.Tokenize;

internal sealed class TokenizeBenchmark(string testData, int reps, TextWriter log)
{
    public const string TextPath = "corpus/war-and-peace.txt";

    private readonly List<EncodeResult> _results = [];
    private readonly List<RatioResult> _ratios = [];
    private readonly List<DecodeResult> _decode = [];
    private readonly List<ReferenceCheck> _references = [];
    private readonly List<string> _notes = [];

    public TokenizeBenchReport Run()
    {
        // Other work on the machine moves these figures; the load average says how much there was.
        Note($"load average at start: {LoadAverage()}");
        string textFile = Path.Combine(testData, TextPath);
        if (!File.Exists(textFile))
            throw new FileNotFoundException($"the benchmark text {textFile} is absent", textFile);
        string text = File.ReadAllText(textFile, new UTF8Encoding(false, throwOnInvalidBytes: true));

        foreach (var vocab in VocabCase.All)
        {
            string path = Path.Combine(testData, vocab.Path);
            if (!File.Exists(path))
            {
                Note($"{vocab.Name}: skipped, {path} is absent");
                continue;
            }
            RunVocab(vocab, path, text);
        }
        Note($"load average at end: {LoadAverage()}");
        return new TokenizeBenchReport(
            MachineInfo.Current(),
            new TextInfo(TextPath, text.Length, Encoding.UTF8.GetByteCount(text)),
            reps, PeerVersions.Describe(), _results, _ratios, _decode, _references, _notes);
    }

    private void RunVocab(VocabCase vocab, string path, string text)
    {
        log.WriteLine($"{vocab.Name}: loading {path}");
        var spec = TokenizerLoader.LoadSpec(path);
        var factories = new List<Func<BenchEngine>> { () => new MeridianEngine(Tokenizer.Create(spec)) };
        if (vocab.HasPeers)
        {
            factories.Add(() => new HfEngine(path, spec.BosId));
            // Parsed once (on first use, so a failure leaves only this peer out); each instance is built from it.
            var ml = new Lazy<MlTokenizersOptions.Parsed>(() => MlTokenizersOptions.Read(path));
            factories.Add(() => new MlTokenizersEngine(ml.Value.Create()));
            if (spec.IgnoreMerges)
                Note($"{vocab.Name}: the file sets ignore_merges, which ML.Tokenizers' BpeTokenizer does not implement, so its ids may differ from ours and HF's");
        }
        else
        {
            Note($"{vocab.Name}: ours only; neither HF tokenizers nor ML.Tokenizers reads GGUF");
        }

        // Warm instances, each warmed by one untimed encode and decode; ours gives the ids everything is compared with.
        var warm = new List<BenchEngine>();
        var create = new List<Func<BenchEngine>>();
        try
        {
            for (int f = 0; f < factories.Count; f++)
            {
                var engine = f == 0 ? factories[0]() : TryCreatePeer(vocab, factories[f]);
                if (engine is null)
                    continue;
                warm.Add(engine);
                create.Add(factories[f]);
            }
            var ours = (MeridianEngine)warm[0];
            var ids = new int[warm.Count][];
            var prepared = new object[warm.Count];
            var comparisons = new IdComparison[warm.Count];
            var roundTrip = new bool[warm.Count];
            for (int e = 0; e < warm.Count; e++)
            {
                ids[e] = warm[e].ToIds(warm[e].EncodeRaw(text));
                comparisons[e] = IdComparison.Compare(ours.Tokenizer, ids[0], ids[e]);
                prepared[e] = warm[e].PrepareIds(ids[e]);
                roundTrip[e] = CheckRoundTrip(vocab, warm[e], spec, warm[e].Decode(prepared[e]), text);
            }
            CheckReference(vocab, ours.Tokenizer, ids[0]);

            var warmSeconds = NewLists(warm.Count);
            var coldSeconds = NewLists(warm.Count);
            var decodeSeconds = NewLists(warm.Count);
            for (int r = 0; r < reps; r++)
            {
                log.WriteLine($"{vocab.Name}: rep {r + 1}/{reps}");
                for (int e = 0; e < warm.Count; e++)
                    warmSeconds[e].Add(TimeEncode(warm[e], text, ids[e]));
                for (int e = 0; e < warm.Count; e++)
                    decodeSeconds[e].Add(Time(() => warm[e].Decode(prepared[e])));
                for (int e = 0; e < warm.Count; e++)
                {
                    using var fresh = create[e]();
                    coldSeconds[e].Add(TimeEncode(fresh, text, ids[e]));
                }
            }

            for (int e = 0; e < warm.Count; e++)
            {
                AddResult(vocab, warm[e].Name, "warm", ids[e].Length, warmSeconds[e], comparisons[e]);
                AddResult(vocab, warm[e].Name, "cold", ids[e].Length, coldSeconds[e], comparisons[e]);
                var d = Sample.Of(decodeSeconds[e]);
                _decode.Add(new DecodeResult(vocab.Name, warm[e].Name, ids[e].Length, d.Mean, d.StdDev, roundTrip[e]));
            }
            if (warm.Count > 1)
                foreach (string mode in new[] { "warm", "cold" })
                    _ratios.Add(new RatioResult(vocab.Name, mode, Ratio(vocab, mode, HfEngine.EngineName), Ratio(vocab, mode, MlTokenizersEngine.EngineName)));
        }
        finally
        {
            foreach (var engine in warm)
                engine.Dispose();
        }
    }

    private BenchEngine? TryCreatePeer(VocabCase vocab, Func<BenchEngine> create)
    {
        try
        {
            return create();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Note($"{vocab.Name}: a peer failed to load and is left out: {e.GetType().Name}: {e.Message}");
            return null;
        }
    }

    private bool CheckRoundTrip(VocabCase vocab, BenchEngine engine, TokenizerSpec spec, string decoded, string text)
    {
        int at = decoded.AsSpan().CommonPrefixLength(text);
        if (at == text.Length && decoded.Length == text.Length)
            return true;
        string why = engine is MeridianEngine && spec.CleanSpaces
            ? " (expected: tokenizer_config.json sets clean_up_tokenization_spaces, which ours applies as transformers does and HF's Rust decode does not)"
            : "";
        Note($"{vocab.Name}: {engine.Name} decode differs from the text at char {at:N0} of {text.Length:N0}: " +
             $"text \"{Excerpt(text, at)}\", decoded \"{Excerpt(decoded, at)}\"{why}");
        return false;
    }

    private static string Excerpt(string s, int at)
    {
        int start = Math.Max(0, at - 20);
        return s[start..Math.Min(s.Length, at + 20)].ReplaceLineEndings("\\n");
    }

    private void CheckReference(VocabCase vocab, Tokenizer ours, int[] oursIds)
    {
        if (vocab.ReferenceIds is null)
            return;
        string path = Path.Combine(testData, vocab.ReferenceIds);
        if (!File.Exists(path))
        {
            Note($"{vocab.Name}: reference ids {path} absent, not checked");
            return;
        }
        int[] expected = ReadInt32(path);
        var c = IdComparison.Compare(ours, expected, oursIds);
        _references.Add(new ReferenceCheck(vocab.Name, vocab.ReferenceIds, c.Equal, c.Differing, c.LengthDifference));
    }

    private void AddResult(VocabCase vocab, string engine, string mode, int tokens, List<double> seconds, IdComparison c)
    {
        var rate = Sample.Of(seconds.Select(s => tokens / s).ToList());
        var time = Sample.Of(seconds);
        _results.Add(new EncodeResult(vocab.Name, engine, mode, tokens, rate.Mean, rate.StdDev,
            c.Equal, c.Differing, c.LengthDifference, time.Mean, time.StdDev));
    }

    private double? Ratio(VocabCase vocab, string mode, string peer)
    {
        var ours = _results.Single(r => r.Vocab == vocab.Name && r.Mode == mode && r.Engine == MeridianEngine.EngineName);
        var other = _results.SingleOrDefault(r => r.Vocab == vocab.Name && r.Mode == mode && r.Engine == peer);
        return other is null ? null : ours.TokensPerSecond / other.TokensPerSecond;
    }

    // The timed encode; every run must give the ids the untimed warm-up gave, or the timing is of something else.
    private static double TimeEncode(BenchEngine engine, string text, int[] expected)
    {
        object raw = null!;
        double seconds = Time(() => raw = engine.EncodeRaw(text));
        if (!engine.ToIds(raw).AsSpan().SequenceEqual(expected))
            throw new InvalidOperationException($"{engine.Name} gave different ids for the same text on a later encode");
        return seconds;
    }

    private static double Time(Func<object> action)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long start = Stopwatch.GetTimestamp();
        GC.KeepAlive(action());
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static List<double>[] NewLists(int n) => [.. Enumerable.Range(0, n).Select(_ => new List<double>())];

    private static int[] ReadInt32(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length % 4 != 0)
            throw new InvalidDataException($"{path}: {bytes.Length} bytes is not a whole number of int32 ids");
        var ids = new int[bytes.Length / 4];
        for (int i = 0; i < ids.Length; i++)
            ids[i] = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4 * i));
        return ids;
    }

    private static string LoadAverage()
    {
        const string path = "/proc/loadavg";
        try
        {
            return File.Exists(path) ? string.Join(' ', File.ReadAllText(path).Split(' ').Take(3)) + " (1, 5, 15 min)" : "unknown";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private void Note(string note)
    {
        _notes.Add(note);
        log.WriteLine(note);
    }
}
