// One sequence's generation loop: prefill the new prompt tokens as a batch, then decode one token at
// a time through the KV cache until a stop token, max tokens, the caller (a stop string) or a full
// cache. Keeps the token history so a later call (the next chat turn) only feeds the tokens after the
// longest common prefix. The decode loop allocates nothing per token: the history goes to the sampler
// as a span over the list.
using System.Diagnostics;
using System.Runtime.InteropServices;
using Meridian.Models;

namespace Meridian.Engine.Generation;

/// <summary>Owns a model state (KV cache + workspace) for one sequence.</summary>
public sealed class TextGenerator : IDisposable
{
    private readonly ILanguageModel _model;
    private readonly ModelState _state;
    private readonly List<int> _history = [];
    private readonly float[] _logits;

    /// <summary>A generator whose KV cache holds <paramref name="capacity"/> positions.</summary>
    public TextGenerator(ILanguageModel model, int capacity, int maxBatch = 64)
    {
        _model = model;
        _state = model.CreateState(capacity, maxBatch);
        _logits = new float[model.VocabSize];
    }

    /// <summary>Positions the KV cache holds.</summary>
    public int Capacity => _state.Capacity;

    /// <summary>Every token in the cache, in order.</summary>
    public IReadOnlyList<int> History => _history;

    /// <summary>
    /// Makes the sequence <paramref name="tokens"/> (reusing the cached common prefix), then generates,
    /// calling <paramref name="onToken"/> with each new id (stop tokens are not passed on).
    /// </summary>
    public GenerationResult Generate(IReadOnlyList<int> tokens, GenerationOptions options, TokenSampler sampler, Action<int> onToken,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(onToken);
        return Generate(tokens, options, sampler, id =>
        {
            onToken(id);
            return true;
        }, cancellation);
    }

    /// <summary>
    /// As the other overload, but <paramref name="onToken"/> returns false to end generation after that
    /// token (a stop string was hit); the result then says <see cref="StopReason.StopString"/>. Like the
    /// last token at MaxTokens, that token is not fed to the model, so <see cref="History"/> lacks it.
    /// </summary>
    public GenerationResult Generate(IReadOnlyList<int> tokens, GenerationOptions options, TokenSampler sampler, Func<int, bool> onToken,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sampler);
        ArgumentNullException.ThrowIfNull(onToken);
        if (options.MaxTokens < 0)
            throw new ArgumentOutOfRangeException(nameof(options), $"GenerationOptions.MaxTokens must not be negative, got {options.MaxTokens}");
        if (tokens.Count == 0)
            throw new ArgumentException("the prompt has no tokens (not even BOS)", nameof(tokens));
        if (tokens.Count > Capacity)
            throw new ArgumentException($"the prompt has {tokens.Count} tokens but the context holds {Capacity}", nameof(tokens));
        int keep = 0;
        while (keep < _history.Count && keep < tokens.Count - 1 && _history[keep] == tokens[keep])
            keep++; // at least one token is fed, so there are fresh logits
        _history.RemoveRange(keep, _history.Count - keep);
        var fresh = tokens.Skip(keep).ToArray();

        var clock = Stopwatch.StartNew();
        _model.Forward(_state, fresh, keep, _logits);
        _history.AddRange(fresh);
        var promptTime = clock.Elapsed;

        clock.Restart();
        int generated = 0;
        var reason = StopReason.Length;
        Span<int> one = stackalloc int[1];
        while (generated < options.MaxTokens)
        {
            cancellation.ThrowIfCancellationRequested();
            int next = sampler(_logits, CollectionsMarshal.AsSpan(_history));
            if (options.StopTokens.Contains(next))
            {
                reason = StopReason.StopToken;
                break;
            }
            generated++;
            if (!onToken(next))
            {
                reason = StopReason.StopString;
                break;
            }
            if (generated == options.MaxTokens)
                break;
            if (_history.Count >= Capacity)
            {
                reason = StopReason.ContextFull;
                break;
            }
            one[0] = next;
            _model.Forward(_state, one, _history.Count, _logits);
            _history.Add(next);
        }
        return new GenerationResult(fresh.Length, generated, promptTime, clock.Elapsed, reason);
    }

    /// <inheritdoc />
    public void Dispose() => _state.Dispose();
}
