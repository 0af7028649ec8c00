// The serving engine (vLLM v1's EngineCore + LLMEngine): one dedicated thread runs
// schedule -> execute -> update over a paged KV cache; callers submit requests from any thread and read
// each request's outputs from its own channel. See LlmEngine.Step.cs for one step.
using System.Collections.Concurrent;
using System.Threading.Channels;
using Meridian.Core;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;
using Meridian.Engine.Generation;
using Meridian.Engine.Sampling;
using Meridian.Engine.Scheduling;
using Meridian.Grammar;
using Meridian.Grammar.Constraints;
using Meridian.Grammar.Matching;
using Meridian.Models;
using Meridian.Tokenizers;
using Meridian.Tokenizers.Templates;

namespace Meridian.Engine.Serving;

/// <summary>
/// Continuous batching over one model: requests join and leave the running batch at every step, long
/// prompts prefill in chunks beside running decodes, KV blocks are shared through the prefix cache.
/// Thread-safe: <see cref="Submit"/>, <see cref="GetStats"/> and handle cancellation may be called from
/// any thread; the model only ever runs on the engine thread.
/// </summary>
public sealed partial class LlmEngine : ILlmEngine, IDisposable
{
    private readonly ILanguageModel _model;
    private readonly LlmEngineOptions _options;
    private readonly Scheduler _scheduler;
    private readonly BatchState _state;
    private readonly BatchInput _input;
    private readonly float[] _logits;                 // [MaxBatchTokens, V] f32 logits of one step's rows
    private readonly HashSet<int> _stopTokens;
    private readonly bool _overlapMasks;
    private TokenVocabulary? _vocabulary;
    private readonly ConcurrentQueue<Command> _inbox = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Dictionary<string, RequestState> _requests = [];
    private readonly Thread _thread;
    private readonly Lock _statsLock = new();
    private EngineStats _stats;
    private int _queued;       // submitted, not yet scheduled once (the queue --max-queue bounds)
    private long _nextId;
    private volatile bool _stopping;
    private volatile Exception? _fault;

    /// <summary>
    /// The KV cache an engine with <paramref name="options"/> allocates for a model trained for
    /// <paramref name="contextLength"/> positions with <paramref name="kvBytesPerToken"/> bytes of keys and values per
    /// position, in bytes: what a caller passes to the model loader (ModelLoadOptions.KvCacheBytes) so that a model
    /// that would not fit beside its cache is refused before its weights are uploaded.
    /// </summary>
    public static long KvCacheBytes(LlmEngineOptions options, int contextLength, long kvBytesPerToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return KvBlocksFor(options, contextLength, kvBytesPerToken) * options.BlockSize * kvBytesPerToken;
    }

    // Blocks given (KvBlocks), or as many as KvMemoryBytes holds, or else one full context per running sequence up
    // to 2 GiB (never less than one full context).
    private static int KvBlocksFor(LlmEngineOptions options, int contextLength, long kvBytesPerToken)
    {
        int bs = options.BlockSize;
        int context = options.MaxContext ?? contextLength;
        long blockBytes = Math.Max(1, kvBytesPerToken * bs);
        int contextBlocks = (context + bs - 1) / bs;
        long blocks = options.KvBlocks
            ?? (options.KvMemoryBytes is { } memory ? memory / blockBytes
                : Math.Max(contextBlocks, Math.Min((long)contextBlocks * options.MaxRunning, (2L << 30) / blockBytes)));
        if (blocks < 1)
            throw new ArgumentException($"KvMemoryBytes {options.KvMemoryBytes} is less than one KV block ({blockBytes} bytes)", nameof(options));
        return (int)Math.Min(blocks, int.MaxValue / bs);
    }

    /// <summary>Starts an engine over <paramref name="model"/>; the engine owns neither the model nor the tokenizer.</summary>
    public LlmEngine(ILanguageModel model, Tokenizer tokenizer, ChatTemplate? chatTemplate, LlmEngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (tokenizer.VocabSize > model.VocabSize)
            throw new ArgumentException($"the tokenizer has {tokenizer.VocabSize} tokens but the model only {model.VocabSize}", nameof(tokenizer));
        _model = model;
        _options = options;

        int bs = options.BlockSize;
        // An explicit MaxContext may exceed the trained context the file states (files understate it: stories260K's
        // GGUF says 128), as llama.cpp's -c may; the KV cache then caps it.
        int context = options.MaxContext ?? model.ContextLength;
        NumBlocks = KvBlocksFor(options, model.ContextLength, model.KvBytesPerToken);
        MaxContext = (int)Math.Min(context, (long)NumBlocks * bs); // one request alone always fits
        int maxBlocksPerSequence = (MaxContext + bs - 1) / bs;

        _scheduler = new Scheduler(new SchedulerOptions
        {
            BlockSize = bs,
            NumBlocks = NumBlocks,
            MaxRunning = options.MaxRunning,
            MaxQueue = int.MaxValue, // Submit enforces MaxQueue; preempted requests re-queue without limit
            MaxBatchTokens = options.MaxBatchTokens,
            MaxPrefillChunk = options.MaxBatchTokens,
            MaxModelLength = MaxContext,
            EnablePrefixCaching = options.EnablePrefixCaching,
        });
        _state = model.CreateBatchState(NumBlocks, bs, options.MaxBatchTokens);
        _input = new BatchInput(options.MaxBatchTokens, options.MaxRunning, maxBlocksPerSequence, bs);
        _logits = new float[(long)options.MaxBatchTokens * model.VocabSize];
        _stopTokens = [.. tokenizer.EndOfGenerationIds];
        _overlapMasks = options.OverlapGrammarMasks ?? model.Device.Kind != DeviceKind.Cpu;
        Model = new EngineModelInfo(options.ModelName, tokenizer, chatTemplate, ChatPrompt.SpecialTokens(tokenizer), MaxContext,
            DateTimeOffset.UtcNow.ToUnixTimeSeconds())
        {
            KvCacheType = model.KvType.Name(),
            KvCacheBytes = model.KvBytesPerToken * bs * NumBlocks,
        };
        PublishStats();
        _thread = new Thread(Run) { IsBackground = true, Name = "meridian-engine" };
        _thread.Start();
    }

    public EngineModelInfo Model { get; }

    /// <summary>Blocks in the paged KV cache.</summary>
    public int NumBlocks { get; }

    /// <summary>Most positions one request may use: the model's context, --max-context, or what the KV cache holds.</summary>
    public int MaxContext { get; }

    public RequestHandle Submit(EngineRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.PromptTokens);
        ArgumentNullException.ThrowIfNull(request.Sampling);
        if (_fault is { } fault)
            throw new MeridianException($"the engine stopped after an internal error: {fault.Message}", fault);
        ObjectDisposedException.ThrowIf(_stopping, this);
        var prompt = request.PromptTokens.ToArray();
        if (prompt.Length == 0)
            throw new ArgumentException("the prompt has no tokens", nameof(request));
        for (int i = 0; i < prompt.Length; i++)
        {
            if ((uint)prompt[i] >= (uint)_model.VocabSize)
                throw new ArgumentException($"prompt token {i} is {prompt[i]}, outside the vocabulary of {_model.VocabSize} tokens", nameof(request));
        }
        if (prompt.Length >= MaxContext)
            throw new PromptTooLongException(prompt.Length, MaxContext);
        Sampler.Validate(request.Sampling, _model.VocabSize); // names the field; the sampler itself is made when the request first samples
        // The request's grammar is compiled here, once: a spec that cannot be enforced is refused before it queues.
        GrammarConstraint? constraint = null;
        if (request.Grammar is { } grammar)
        {
            try
            {
                constraint = GrammarConstraint.Create(grammar, Vocabulary, _stopTokens, Markers(grammar));
            }
            catch (GrammarException e)
            {
                throw new ArgumentException(e.Message, nameof(request), e);
            }
        }
        if (Interlocked.Increment(ref _queued) > _options.MaxQueue)
        {
            Interlocked.Decrement(ref _queued);
            throw new EngineQueueFullException(_options.MaxQueue);
        }
        // The engine keys its bookkeeping on an id of its own: a caller's id may repeat (two clients, one id),
        // and must neither collide with a live request nor let an old handle cancel a newer one.
        string key = $"req-{Interlocked.Increment(ref _nextId)}";
        string id = request.Id ?? key;
        var outputs = Channel.CreateUnbounded<RequestOutput>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var text = new TextStream(Model.Tokenizer.CreateIncrementalDecoder(request.SkipSpecialTokens, request.ContinuesText), request.Sampling.StopStrings);
        var state = new RequestState(key, request with { PromptTokens = prompt }, _model.VocabSize, text, outputs) { Constraint = constraint };
        _inbox.Enqueue(new Command(state, null));
        _wake.Release();
        return new RequestHandle(id, outputs.Reader, () =>
        {
            _inbox.Enqueue(new Command(null, key));
            _wake.Release();
        });
    }

    public string? Fault => _fault?.Message;

    // The vocabulary prepared for grammar masks, built on the first constrained request (special tokens, which have no
    // text, are left out; end-of-generation tokens are handled by the constraint).
    private TokenVocabulary Vocabulary => LazyInitializer.EnsureInitialized(ref _vocabulary, () =>
        new TokenVocabulary(Model.Tokenizer.VocabSize, id => Model.Tokenizer.IsControl(id) ? [] : Model.Tokenizer.TokenBytes(id).ToArray()))!;

    // Control tokens that spell a grammar's tool-call marker (Mistral's [TOOL_CALLS] is one token with no text): the
    // grammar may produce them as the marker's bytes.
    private Dictionary<int, byte[]>? Markers(GrammarSpec grammar)
    {
        var tok = Model.Tokenizer;
        Dictionary<int, byte[]>? markers = null;
        foreach (string? text in new[] { grammar.Trigger, grammar.Prefix })
        {
            if (string.IsNullOrEmpty(text))
                continue;
            for (int end = text.Length; end > 0; end--)
            {
                if (tok.TryGetTokenId(text.AsSpan(0, end), out int id) && tok.IsControl(id))
                {
                    (markers ??= [])[id] = System.Text.Encoding.UTF8.GetBytes(text[..end]);
                    break;
                }
            }
        }
        return markers;
    }

    public IReadOnlyList<FallbackCount> GetFallbackCounts() => _model.Device is FallbackDevice fallback
        ? [.. fallback.Stats.Calls.Select(c => new FallbackCount(c.Key.Op.Name(), c.Key.Type.Name(), c.Value))]
        : [];

    public EngineStats GetStats()
    {
        lock (_statsLock)
            return _stats;
    }

    /// <summary>Stops the engine thread; requests still running end with <see cref="FinishReason.Cancelled"/>.</summary>
    public void Dispose()
    {
        if (_stopping)
            return;
        _stopping = true;
        _wake.Release();
        _thread.Join();
        _state.Dispose();
        _wake.Dispose();
    }

    // A new request (State set) or a cancellation (CancelId set), from any thread to the engine thread.
    private readonly record struct Command(RequestState? State, string? CancelId);
}
