using Enaction.Onnx.Models;
using Microsoft.ML.OnnxRuntime;

namespace Enaction.Onnx.Generation;

/// <summary>The default engine: the model's own ONNX Runtime session with a KV cache per sequence.</summary>
internal sealed class OrtDecodingEngine(CausalLanguageModel model) : IDecodingEngine
{
    public string Name => "enaction-onnx";

    public IDecodingSequence Start(ReadOnlySpan<int> prompt, Span<float> nextLogits, CancellationToken cancellationToken)
    {
        var sequence = new Sequence(model, cancellationToken);
        try
        {
            sequence.Run(prompt, nextLogits, cancellationToken);
            return sequence;
        }
        catch
        {
            sequence.Dispose();
            throw;
        }
    }

    private sealed class Sequence : IDecodingSequence
    {
        private readonly CausalLanguageModel _model;
        private readonly KeyValueCache _cache;
        private readonly RunOptions _runOptions = new();
        private readonly CancellationTokenRegistration _registration;
        private float[] _logits = [];

        public Sequence(CausalLanguageModel model, CancellationToken cancellationToken)
        {
            _model = model;
            _cache = new KeyValueCache(model.Signature);
            _registration = cancellationToken.Register(static o => ((RunOptions)o!).Terminate = true, _runOptions);
        }

        public int Length => _cache.Length;

        public void Append(int token, Span<float> nextLogits, CancellationToken cancellationToken) =>
            Run([token], nextLogits, cancellationToken);

        public void Run(ReadOnlySpan<int> tokens, Span<float> nextLogits, CancellationToken cancellationToken)
        {
            var vocab = _model.VocabSize;
            var perRun = _model.TokensPerRun;
            var rows = Math.Min(perRun, Math.Max(1, tokens.Length));
            if (_logits.Length < rows * vocab) _logits = new float[rows * vocab];
            var last = 0;
            // Long prompts run in chunks; only the last row of the last chunk predicts the next token.
            for (var p = 0; p < tokens.Length; p += perRun)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var count = Math.Min(perRun, tokens.Length - p);
                try
                {
                    _model.Forward(tokens.Slice(p, count), _cache.Length, _cache, _logits, _runOptions);
                }
                catch (OnnxRuntimeException e) when (cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException("generation was cancelled", e, cancellationToken);
                }
                last = count - 1;
            }
            _logits.AsSpan(last * vocab, vocab).CopyTo(nextLogits);
        }

        public void Dispose()
        {
            _registration.Dispose();
            _runOptions.Dispose();
            _cache.Dispose();
        }
    }
}
