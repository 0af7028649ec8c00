// `meridian bench grammar [--tokenizer PATH]... [--schema FILE]... [--steps N] [--seeds N]`: how long a JSON schema
// takes to compile and a token mask to compute, over real vocabularies (Llama 3's 128k and Qwen3's 152k tokens from
// ../shared/testdata when no --tokenizer is given). Each schema is compiled once per seed, then a token-level random
// walk (uniform among the tokens the mask allows, ending where it may after a while) times every mask; single
// threaded, as llguidance's published figures are (mask p50 46 µs, p99 533 µs; compile p50 about 1 ms).
using System.CommandLine;
using System.Diagnostics;
using Meridian.Grammar.Constraints;
using Meridian.Grammar.Matching;
using Meridian.Models.Tokenizers;
using Meridian.Tokenizers;

namespace Meridian.Cli.Bench.Grammar;

internal static class GrammarBenchCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var tokenizers = new Option<string[]>("--tokenizer") { Description = "A tokenizer (tokenizer.json, its directory, or a GGUF); default: Llama 3 and Qwen3 from ../shared/testdata", AllowMultipleArgumentsPerToken = true };
        var schemas = new Option<string[]>("--schema") { Description = "A JSON Schema file; default: eight built-in real-world shapes", AllowMultipleArgumentsPerToken = true };
        var steps = new Option<int>("--steps") { Description = "Most tokens per walk", DefaultValueFactory = _ => 96 };
        var seeds = new Option<int>("--seeds") { Description = "Walks per schema and vocabulary", DefaultValueFactory = _ => 3 };
        var command = new Command("grammar", "Constrained decoding: schema compile time and per-token mask time over real vocabularies") { tokenizers, schemas, steps, seeds };
        command.SetAction(parse => CliErrors.Run(stderr, () =>
        {
            var vocabularies = parse.GetValue(tokenizers) is { Length: > 0 } given ? given : DefaultTokenizers();
            if (vocabularies.Length == 0)
                throw new CliUsageException("no tokenizer given and ../shared/testdata/hf-tokenizers (llama3, qwen3) not found; pass --tokenizer");
            var cases = parse.GetValue(schemas) is { Length: > 0 } files
                ? files.Select(f => (Path.GetFileNameWithoutExtension(f), File.ReadAllText(f))).ToArray()
                : BenchSchemas.All;
            int n = parse.GetValue(steps), walks = parse.GetValue(seeds);
            if (n < 1 || walks < 1)
                throw new CliUsageException("--steps and --seeds must be at least 1");
            stdout.WriteLine($"{Environment.ProcessorCount} logical cores, single-threaded masks; {cases.Length} schemas x {walks} walks of up to {n} tokens");
            stdout.WriteLine();
            stdout.WriteLine("| vocabulary | tokens | tries build ms | schemas | compile p50 ms | compile max ms | masks | mask p50 µs | mask p99 µs | mask max µs | allowed p50 |");
            stdout.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (string path in vocabularies)
                Measure(path, cases, n, walks, stdout);
            return 0;
        }));
        return command;
    }

    private static void Measure(string path, (string Name, string Schema)[] cases, int steps, int walks, TextWriter stdout)
    {
        var tokenizer = TokenizerLoader.Load(path);
        byte[] BytesOf(int id) => tokenizer.IsControl(id) ? [] : tokenizer.TokenBytes(id).ToArray();
        var clock = Stopwatch.StartNew();
        var vocab = new TokenVocabulary(tokenizer.VocabSize, BytesOf);
        double trieMs = clock.Elapsed.TotalMilliseconds;
        var compile = new List<double>();
        var masks = new List<double>();
        var allowed = new List<double>();
        var logits = new float[tokenizer.VocabSize];
        var ids = new int[tokenizer.VocabSize];
        // One untimed walk per schema first, with seeds the timed walks do not use: the JIT compiles and tiers up the
        // matcher's code, as it has in a server that has run a while. Each timed walk still starts from a fresh
        // constraint (its lexer and parser caches empty), as every request does.
        foreach (var (name, schema) in cases)
            Walk(new GrammarSpec(GrammarKind.JsonSchema, schema), seed: 1000, timed: false);
        foreach (var (name, schema) in cases)
        {
            var spec = new GrammarSpec(GrammarKind.JsonSchema, schema);
            for (int seed = 0; seed < walks; seed++)
                Walk(spec, seed, timed: true);
        }

        void Walk(GrammarSpec spec, int seed, bool timed)
        {
            clock.Restart();
            var constraint = GrammarConstraint.Create(spec, vocab, tokenizer.EndOfGenerationIds);
            if (timed)
                compile.Add(clock.Elapsed.TotalMilliseconds);
            var rng = new Random(seed);
            for (int step = 0; step < steps; step++)
            {
                Array.Clear(logits);
                clock.Restart();
                constraint.Mask(logits);
                if (timed)
                {
                    masks.Add(clock.Elapsed.TotalMicroseconds);
                    allowed.Add(constraint.AllowedCount);
                }
                // The walk allocates nothing per step (a list of 150k ids each step would put the harness's own
                // garbage collections into the masks' tail).
                int count = 0;
                bool canEnd = false;
                for (int i = 0; i < logits.Length; i++)
                {
                    if (float.IsNegativeInfinity(logits[i]))
                        continue;
                    if (tokenizer.IsEndOfGeneration(i))
                        canEnd = true;
                    else
                        ids[count++] = i;
                }
                if (count == 0 || (canEnd && (step > steps / 2 || rng.Next(4) == 0)))
                    break;
                constraint.Accept(ids[rng.Next(count)]);
            }
        }

        compile.Sort();
        masks.Sort();
        allowed.Sort();
        stdout.WriteLine($"| {Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path)) ?? path)} | {tokenizer.VocabSize} | {trieMs:0} | {cases.Length} | " +
            $"{Pct(compile, 0.5):0.00} | {compile[^1]:0.00} | {masks.Count} | {Pct(masks, 0.5):0} | {Pct(masks, 0.99):0} | {masks[^1]:0} | {Pct(allowed, 0.5):0} |");
    }

    private static double Pct(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];

    private static string[] DefaultTokenizers()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string root = Path.Combine(dir.FullName, "shared", "testdata", "hf-tokenizers");
            if (Directory.Exists(root))
                return new[] { "llama3", "qwen3" }.Select(v => Path.Combine(root, v, "tokenizer.json")).Where(File.Exists).ToArray();
        }
        return [];
    }
}
