using System.Globalization;
using Enaction.Onnx.Generation;
using Enaction.Onnx.Models;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace Enaction.Connectors.Onnx;

/// <summary>
/// Runs a model folder's decoder on OnnxRuntimeGenAI's <see cref="Generator"/> for <see cref="LocalGenerator"/>:
/// GenAI owns the KV cache and the execution provider, the generator keeps the project's prompt rendering, tokens
/// and sampler, so the tokens generated are the tokens the monitor scores. Idle generators are kept with their
/// cache (<see cref="GenAIEngineOptions.CachedSequences"/>) and reused for the prompt they share the longest prefix
/// with, which makes a conversation's next turn cost only its new tokens. Thread-safe.
/// </summary>
public sealed class GenAIDecodingEngine : IDecodingEngine, IDisposable
{
    private readonly Config _config;
    private readonly Model _model;
    private readonly int _capacity;
    private readonly int? _maxLength;
    private readonly List<CachedGenerator> _idle = [];
    private readonly Lock _gate = new();
    private bool _disposed;

    private GenAIDecodingEngine(string path, Config config, Model model, IReadOnlyList<string> providers, GenAIEngineOptions options)
    {
        ModelPath = path;
        _config = config;
        _model = model;
        Providers = providers;
        _capacity = options.CachedSequences;
        _maxLength = options.MaxLength;
    }

    /// <inheritdoc/>
    public string Name => "onnxruntime-genai";

    /// <summary>The model folder.</summary>
    public string ModelPath { get; }

    /// <summary>The providers asked for; empty when the folder's <c>genai_config.json</c> decides.</summary>
    public IReadOnlyList<string> Providers { get; }

    /// <summary>Prompt tokens served from a cached prefix instead of being run again, since the engine was opened.</summary>
    public long ReusedTokens => Interlocked.Read(ref _reusedTokens);

    private long _reusedTokens;

    /// <summary>Generators held idle with their cache right now.</summary>
    public int IdleSequences
    {
        get { lock (_gate) return _idle.Count; }
    }

    /// <summary>
    /// Loads <paramref name="modelPath"/> (a folder with <c>genai_config.json</c>) on <paramref name="providers"/>
    /// (the folder's choice when null or empty). Every failure is a <see cref="ModelLoadException"/> with one line
    /// naming the folder and what to do, and nothing half-built is left for the finalizer: a GenAI object whose
    /// construction failed, or whose owner's did, crashed the process at the next garbage collection.
    /// </summary>
    public static GenAIDecodingEngine Open(string modelPath, IEnumerable<Provider>? providers = null, GenAIEngineOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        options ??= new GenAIEngineOptions();
        options.Validate();
        var path = Path.GetFullPath(modelPath);
        if (!Directory.Exists(path))
            throw new ModelLoadException(path, "the model folder does not exist");
        if (!File.Exists(Path.Combine(path, "genai_config.json")))
            throw new ModelLoadException(path, "there is no genai_config.json; OnnxRuntimeGenAI loads a folder through it (model type, decoder file, input/output names, context length), as the bundled models ship it");
        var list = providers?.ToList() ?? [];

        Config? config = null;
        Model? model = null;
        try
        {
            config = new Config(path);
            if (list.Count > 0)
            {
                config.ClearProviders();
                foreach (var provider in list)
                {
                    config.AppendProvider(provider.Id);
                    foreach (var (key, value) in provider.Options) config.SetProviderOption(provider.Id, key, value);
                }
            }
            model = new Model(config);
            return new GenAIDecodingEngine(path, config, model, [.. list.Select(p => p.Id)], options);
        }
        catch (Exception e) when (e is OnnxRuntimeGenAIException or DllNotFoundException or EntryPointNotFoundException)
        {
            model?.Dispose();
            config?.Dispose();
            throw new ModelLoadException(path, Explain(e.Message, list), e);
        }
    }

    private static string Explain(string message, List<Provider> providers)
    {
        var line = FirstLine(message);
        var missing = line.IndexOf("Failed to load library", StringComparison.Ordinal);
        if (missing >= 0 && providers.Count > 0)
        {
            var names = string.Join(", ", providers.Select(p => p.Id));
            return $"OnnxRuntimeGenAI cannot run on {names}: {line[missing..]}. This build carries GenAI's CPU library; " +
                   "CUDA needs the GenAI CUDA package and CUDA 13 installed, or choose the cpu provider";
        }
        return "OnnxRuntimeGenAI cannot load this model folder: " + line;
    }

    private static string FirstLine(string message)
    {
        var end = message.IndexOf('\n');
        return (end < 0 ? message : message[..end]).Trim();
    }

    /// <inheritdoc/>
    public IDecodingSequence Start(ReadOnlySpan<int> prompt, Span<float> nextLogits, CancellationToken cancellationToken)
    {
        if (prompt.IsEmpty) throw new ArgumentException("the prompt has no tokens", nameof(prompt));
        cancellationToken.ThrowIfCancellationRequested();
        var cached = Take(prompt, out var shared);
        try
        {
            // At least one prompt token always runs: RewindTo(n) followed by generation reuses the logits of the
            // last step before the rewind (a wrong token, measured here), while rewinding one token further and
            // appending it again gives the right ones.
            var keep = Math.Min(shared, prompt.Length - 1);
            if (keep < cached.Tokens.Count)
            {
                cached.Generator.RewindTo((ulong)keep);
                cached.Tokens.RemoveRange(keep, cached.Tokens.Count - keep);
            }
            cached.Run(prompt[keep..], nextLogits);
            Interlocked.Add(ref _reusedTokens, keep);
            return new Sequence(this, cached);
        }
        catch
        {
            cached.Dispose();
            throw;
        }
    }

    private CachedGenerator Take(ReadOnlySpan<int> prompt, out int shared)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var best = -1;
            shared = 0;
            for (var i = 0; i < _idle.Count; i++)
            {
                var common = CommonPrefix(_idle[i].Tokens, prompt);
                if (best < 0 || common > shared) { best = i; shared = common; }
            }
            if (best >= 0)
            {
                var cached = _idle[best];
                _idle.RemoveAt(best);
                return cached;
            }
        }
        shared = 0;
        return new CachedGenerator(NewGenerator());
    }

    private Generator NewGenerator()
    {
        using var parameters = new GeneratorParams(_model);
        if (_maxLength is { } max) parameters.SetSearchOption("max_length", max);
        return new Generator(_model, parameters);
    }

    private static int CommonPrefix(List<int> held, ReadOnlySpan<int> prompt)
    {
        var n = Math.Min(held.Count, prompt.Length);
        var i = 0;
        while (i < n && held[i] == prompt[i]) i++;
        return i;
    }

    private void Return(CachedGenerator cached)
    {
        CachedGenerator? evicted = null;
        lock (_gate)
        {
            if (_disposed || _capacity == 0 || cached.Faulted)
            {
                evicted = cached;
            }
            else
            {
                _idle.Add(cached);
                // The least recently returned goes first.
                if (_idle.Count > _capacity)
                {
                    evicted = _idle[0];
                    _idle.RemoveAt(0);
                }
            }
        }
        evicted?.Dispose();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        List<CachedGenerator> idle;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            idle = [.. _idle];
            _idle.Clear();
        }
        foreach (var cached in idle) cached.Dispose();
        _model.Dispose();
        _config.Dispose();
    }

    private sealed class CachedGenerator(Generator generator) : IDisposable
    {
        public Generator Generator { get; } = generator;
        public List<int> Tokens { get; } = [];
        public bool Faulted { get; private set; }

        public void Run(ReadOnlySpan<int> tokens, Span<float> nextLogits)
        {
            try
            {
                Generator.AppendTokens(tokens);
                Tokens.AddRange(tokens);
                using var logits = Generator.GetOutput("logits");
                CopyLastRow(logits, nextLogits);
            }
            catch
            {
                // A generator that failed mid-append holds a cache we cannot vouch for.
                Faulted = true;
                throw;
            }
        }

        private static void CopyLastRow(Tensor logits, Span<float> row)
        {
            var shape = logits.Shape();
            var vocab = (int)shape[^1];
            if (vocab != row.Length)
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"OnnxRuntimeGenAI's logits have {vocab} entries but the scoring model's have {row.Length}; the generator and the scorer must load the same model folder"));
            switch (logits.Type())
            {
                case ElementType.float32:
                    var data = logits.GetData<float>();
                    data[^vocab..].CopyTo(row);
                    break;
                case ElementType.float16:
                    var half = logits.GetData<Half>()[^vocab..];
                    for (var i = 0; i < vocab; i++) row[i] = (float)half[i];
                    break;
                default:
                    throw new NotSupportedException($"OnnxRuntimeGenAI returned {logits.Type()} logits; float32 or float16 expected");
            }
        }

        public void Dispose() => Generator.Dispose();
    }

    private sealed class Sequence(GenAIDecodingEngine engine, CachedGenerator cached) : IDecodingSequence
    {
        private bool _returned;

        public int Length => cached.Tokens.Count;

        public void Append(int token, Span<float> nextLogits, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            cached.Run([token], nextLogits);
        }

        public void Dispose()
        {
            if (_returned) return;
            _returned = true;
            engine.Return(cached);
        }
    }
}
