// What every decoder model class shares besides its forward pass: the device, the KV type, its sizes, the paged
// batch state, owning its weights and open file, and the start of a step (its checks and activation views).
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Models.Architectures;

/// <summary>A loaded decoder on one device; a subclass writes <see cref="ForwardBatch"/>.</summary>
public abstract class DecoderModel : ILanguageModel
{
    private readonly IDisposable _weights;
    private readonly IDisposable? _owner;
    private readonly DecoderShape _shape; // specs build their shape per read; steps read it often

    /// <summary>A model of <paramref name="spec"/> whose <paramref name="weights"/> and <paramref name="owner"/> (the open file) it disposes.</summary>
    protected DecoderModel(IModelSpec spec, IDisposable weights, IDevice device, DType kvType, IDisposable? owner)
    {
        if (kvType is not (DType.F32 or DType.F16))
            throw new ArgumentException($"the KV cache type must be f32 or f16, not {kvType.Name()}", nameof(kvType));
        Spec = spec;
        _shape = spec.Shape;
        ContextLength = spec.ContextLength;
        _weights = weights;
        Device = device;
        KvType = kvType;
        _owner = owner;
    }

    /// <summary>The hyperparameters the model was built from.</summary>
    public IModelSpec Spec { get; }

    public IDevice Device { get; }

    public DType KvType { get; }

    public int VocabSize => _shape.Vocab;

    public int ContextLength { get; }

    public long KvBytesPerToken => _shape.KvBytesPerToken(KvType);

    public BatchState CreateBatchState(int numBlocks, int blockSize, int maxTokens) =>
        new DecoderBatchState(_shape, KvType, Device, numBlocks, blockSize, maxTokens);

    public abstract void ForwardBatch(BatchState state, BatchInput input, Span<float> logits);

    /// <summary>The activations of a step of <paramref name="t"/> tokens: [T, ·] views of the workspace.</summary>
    protected readonly record struct StepViews(DeviceTensor X, DeviceTensor Xn, DeviceTensor Q, DeviceTensor K, DeviceTensor V, DeviceTensor Att);

    /// <summary>
    /// The checks and views every step starts with: the state as a <see cref="DecoderBatchState"/>, the input against
    /// it, and the workspace's rows for the step's tokens; null for an empty step.
    /// </summary>
    protected StepViews? BeginForward(BatchState state, BatchInput input, Span<float> logits, out DecoderBatchState s)
    {
        s = DecoderBlocks.StateOf(state);
        DecoderBlocks.CheckBatch(s, input, VocabSize, logits);
        int t = input.TokenCount;
        if (t == 0)
            return null;
        var ws = s.Work;
        return new StepViews(ws.X.SliceRows(0, t), ws.Xn.SliceRows(0, t), ws.Q.SliceRows(0, t), ws.K.SliceRows(0, t), ws.V.SliceRows(0, t), ws.Att.SliceRows(0, t));
    }

    public void Dispose()
    {
        _weights.Dispose();
        _owner?.Dispose();
    }
}
