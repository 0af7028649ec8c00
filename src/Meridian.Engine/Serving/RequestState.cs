// The engine thread's per-request state beside the scheduler's bookkeeping: sampler, text stream,
// output channel, generated ids and logprobs not yet sent.
using System.Threading.Channels;
using Meridian.Engine.Generation;
using Meridian.Engine.Sampling;
using Meridian.Engine.Scheduling;
using Meridian.Grammar.Constraints;

namespace Meridian.Engine.Serving;

internal sealed class RequestState(string id, EngineRequest request, int vocabSize, TextStream text, Channel<RequestOutput> outputs)
{
    private Sampler? _sampler;

    public string Id { get; } = id;

    public EngineRequest Request { get; } = request;

    /// <summary>Made at the first sampling step, not at Submit: its scratch is about 28 bytes per vocabulary entry
    /// (MBs for large vocabularies), which a request waiting in the queue should not hold.</summary>
    public Sampler Sampler => _sampler ??= new Sampler(Request.Sampling, vocabSize);

    /// <summary>The request's grammar state (null without one), compiled at Submit.</summary>
    public GrammarConstraint? Constraint { get; init; }

    public TextStream Text { get; } = text;

    public Channel<RequestOutput> Outputs { get; } = outputs;

    /// <summary>Generated ids, stop tokens excluded: the history the penalties count (OpenAI counts output only).</summary>
    public List<int> Generated { get; } = [];

    /// <summary>Prompt logprobs gathered chunk by chunk until the first output.</summary>
    public List<TokenLogprob?>? PromptLogprobs { get; set; }

    public SequenceRequest Sequence { get; set; } = null!;

    /// <summary>Scheduled at least once (it no longer counts against the queue limit).</summary>
    public bool Started { get; set; }

    public bool Done { get; set; }
}
