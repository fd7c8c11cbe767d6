using System.Buffers;
using Enaction.Onnx.Templates;
using Enaction.Onnx.Tokenization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Enaction.Onnx.Models;

/// <summary>
/// A Hugging Face-style ONNX causal language model loaded from a directory: the ONNX session, its discovered
/// signature, the tokenizer and the chat template. Thread-safe: one instance serves many conversations.
/// </summary>
public sealed partial class CausalLanguageModel : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string[] _outputNames;

    private CausalLanguageModel(ModelDirectory directory, InferenceSession session, DecoderSignature signature,
        TranscriptEncoder encoder, ExecutionProvider provider, ModelOptions options)
    {
        Directory = directory;
        _session = session;
        Signature = signature;
        Encoder = encoder;
        ActiveProvider = provider;
        Precision = options.Precision;
        Id = options.ModelId ?? Path.GetFileName(directory.Path.TrimEnd(Path.DirectorySeparatorChar));
        ContextLength = options.ContextLength ?? directory.Config.ContextLength ?? 2048;
        MaxLogitsPerRun = options.MaxLogitsPerRun;
        MaxTokensPerRun = options.MaxTokensPerRun;
        SamplingTopP = NucleusOf(options.SamplingTopP, directory);
        ReductionThreads = options.ReductionThreads ?? (options.IntraOpThreads > 0 ? options.IntraOpThreads : Environment.ProcessorCount);
        _outputNames = [signature.Logits, .. signature.Layers.SelectMany(l => new[] { l.PresentKey, l.PresentValue })];
    }

    /// <summary>Identifier used in scores and events.</summary>
    public string Id { get; }
    /// <summary>The files the model came from.</summary>
    public ModelDirectory Directory { get; }
    /// <summary>The decoder's inputs, outputs and cache layout.</summary>
    public DecoderSignature Signature { get; }
    /// <summary>Renders and tokenizes transcripts the way the model was trained.</summary>
    public TranscriptEncoder Encoder { get; }
    /// <summary>The tokenizer.</summary>
    public TextTokenizer Tokenizer => Encoder.Tokenizer;
    /// <summary>The arithmetic the session runs (<see cref="ModelOptions.Precision"/>).</summary>
    public ScoringPrecision Precision { get; }
    /// <summary>The provider the session really runs on.</summary>
    public ExecutionProvider ActiveProvider { get; }
    /// <summary>Longest context the model is run on; longer transcripts are scored with a sliding window.</summary>
    public int ContextLength { get; }
    /// <summary>
    /// The nucleus this model's own turns are sampled from (<see cref="Enaction.Scoring.ScoredTranscript.SamplingTopP"/>):
    /// <see cref="ModelOptions.SamplingTopP"/> when set, else <c>generation_config.json</c>'s top-p when it samples at a
    /// temperature of at most 1 (0 when it decodes greedily); null when its turns may take any token.
    /// </summary>
    public double? SamplingTopP { get; }

    private static double? NucleusOf(double? configured, ModelDirectory directory)
    {
        if (configured is { } set) return set < 1 ? set : null;
        Generation.GenerationOptions shipped;
        try
        {
            shipped = Generation.GenerationOptions.ForModel(directory);
        }
        catch (ModelLoadException)
        {
            return null; // a sampler out of range says nothing reliable about the nucleus; scoring does not need it
        }
        return shipped.Nucleus < 1 ? shipped.Nucleus : null;
    }

    /// <summary>Vocabulary size of the logits.</summary>
    public int VocabSize => Signature.VocabSize;
    internal int MaxLogitsPerRun { get; }
    internal int MaxTokensPerRun { get; }
    /// <summary>Threads the per-token statistics of one pass are split over: ONNX Runtime's intra-op count (one per core by default).</summary>
    internal int ReductionThreads { get; }

    /// <summary>Tokens per forward pass: bounded by the logits budget and the per-pass token cap.</summary>
    internal int TokensPerRun => Math.Max(1, Math.Min(MaxTokensPerRun, MaxLogitsPerRun / VocabSize));

    private string?[]? _tokenTexts;

    /// <summary>The readable text of one token (cached per id).</summary>
    public string TokenText(int id)
    {
        var texts = _tokenTexts ??= new string?[VocabSize];
        return (uint)id < (uint)texts.Length ? texts[id] ??= Tokenizer.TokenText(id) : Tokenizer.TokenText(id);
    }

    /// <summary>
    /// Loads a model directory. Every problem (missing files, an ONNX graph that is not a decoder, a tokenizer whose
    /// vocabulary disagrees with the logits, an unknown chat template, an unavailable provider) is a
    /// <see cref="ModelLoadException"/> naming the file and what was expected.
    /// </summary>
    public static CausalLanguageModel Load(string directory, ModelOptions? options = null)
    {
        options ??= new ModelOptions();
        options.Validate();
        var logger = options.Logger ?? NullLogger.Instance;
        var dir = ModelDirectory.Open(directory);

        var file = dir.SessionPath(options.Precision);
        var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = options.IntraOpThreads,
        };
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", options.AllowSpinning ? "1" : "0");
        var provider = ConfigureProvider(sessionOptions, options.ExecutionProvider, logger, file);

        InferenceSession session;
        try
        {
            session = new InferenceSession(file, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelLoadException(file, "ONNX Runtime cannot load this file as a model: " + FirstLine(e.Message), e);
        }
        finally
        {
            sessionOptions.Dispose();
        }

        try
        {
            if (options.Precision != ScoringPrecision.Float32) EnsureWrittenFrom(session, file, dir.OnnxPath);
            var signature = DecoderSignature.Discover(session, dir);
            var tokenizer = TextTokenizer.Load(dir.Path);
            CheckVocabulary(dir, signature, tokenizer);
            var template = ChatTemplateResolver.Load(dir.Path, options.ChatTemplate, options.ChatTemplateRecognizers);
            var encoder = new TranscriptEncoder(tokenizer, template);
            return new CausalLanguageModel(dir, session, signature, encoder, provider, options);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>The SHA-256 (lower-case hex) of a file: the identity calibrations and reduced-precision variants are tied to.</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
    }

    /// <summary>The metadata key where tools/fixture-model/fuse.py records the SHA-256 of the model.onnx a variant was written from.</summary>
    internal const string SourceHashKey = "enaction.source_sha256";

    /// <summary>
    /// A reduced-precision variant must have been written from the model.onnx beside it: a retrained model with a
    /// stale int8 file would otherwise score with the old weights while calibrations and reports name the new ones.
    /// </summary>
    private static void EnsureWrittenFrom(InferenceSession session, string file, string source)
    {
        if (!session.ModelMetadata.CustomMetadataMap.TryGetValue(SourceHashKey, out var recorded)) return;
        var actual = Sha256(source);
        if (!string.Equals(recorded, actual, StringComparison.OrdinalIgnoreCase))
            throw new ModelLoadException(file,
                $"was written from another {Path.GetFileName(source)} (sha256 {recorded[..Math.Min(12, recorded.Length)]}…, this one is {actual[..12]}…); " +
                $"rewrite it with `/usr/bin/python3 tools/fixture-model/fuse.py {Path.GetDirectoryName(source)} --int8`");
    }

    private static void CheckVocabulary(ModelDirectory dir, DecoderSignature signature, TextTokenizer tokenizer)
    {
        var logits = signature.VocabSize;
        var tokens = tokenizer.VocabularySize;
        var declared = dir.Config.VocabSize;
        // Hugging Face models often pad the embedding matrix (Phi-3: 32,064 logits for 32,011 tokens); that is
        // fine when config.json declares the padded size. A tokenizer with ids the logits cannot score is not.
        if (tokens > logits || (tokens != logits && declared != logits))
            throw new ModelLoadException(dir.Path,
                $"the tokenizer has {tokens} tokens but the model's logits have {logits} entries" +
                (declared is null ? "" : $" (config.json vocab_size {declared})") +
                "; the tokenizer files and the ONNX model must come from the same model");
    }

    private static ExecutionProvider ConfigureProvider(SessionOptions options, ExecutionProvider requested, ILogger logger, string file)
    {
        if (requested == ExecutionProvider.Cpu) return ExecutionProvider.Cpu;
#if !ENACTION_GPU
        // The CPU build carries no CUDA provider: auto is CPU here and nothing fell back, so there is nothing to warn
        // about. The GPU build tries CUDA and warns when it falls back (a missing CUDA 13 library, no device).
        if (requested == ExecutionProvider.Auto) return ExecutionProvider.Cpu;
#endif
        try
        {
            options.AppendExecutionProvider_CUDA();
            return ExecutionProvider.Cuda;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or OnnxRuntimeException or DllNotFoundException)
        {
            if (requested == ExecutionProvider.Cuda)
                throw new ModelLoadException(file,
                    "the cuda execution provider is not available (" + FirstLine(e.Message) + "); it needs the GPU build " +
                    "(-p:EnactionGpu=true) with CUDA 13 and cuDNN installed, or choose --provider cpu or auto", e);
            // One warning per process, not one per model or test.
            if (Interlocked.Exchange(ref s_cudaWarned, 1) == 0) LogCudaFallback(logger, FirstLine(e.Message));
            return ExecutionProvider.Cpu;
        }
    }

    private static int s_cudaWarned;

    private static string FirstLine(string message)
    {
        var end = message.IndexOf('\n');
        return (end < 0 ? message : message[..end]).Trim();
    }

    [LoggerMessage(EventId = 1001, EventName = "CudaUnavailable", Level = LogLevel.Warning,
        Message = "CUDA execution provider unavailable ({Reason}); scoring on CPU")]
    private static partial void LogCudaFallback(ILogger logger, string reason);

    /// <summary>
    /// Runs <paramref name="tokens"/> after the tokens in <paramref name="cache"/> (or from scratch when the model has
    /// no cache), writes <c>tokens.Length × vocabulary</c> float logits into <paramref name="logits"/> and extends the cache.
    /// </summary>
    /// <param name="tokens">The new tokens.</param>
    /// <param name="firstPosition">Position id of the first new token.</param>
    /// <param name="cache">The sequence's cache; null for models without past inputs.</param>
    /// <param name="logits">Destination for the logits rows (float32, converted from float16 if needed).</param>
    /// <param name="runOptions">Run options (for cancellation through <see cref="RunOptions.Terminate"/>).</param>
    internal void Forward(ReadOnlySpan<int> tokens, int firstPosition, KeyValueCache? cache, Memory<float> logits, RunOptions runOptions)
    {
        var count = tokens.Length;
        var past = cache?.Length ?? 0;
        var vocab = Signature.VocabSize;
        if (logits.Length < count * vocab) throw new ArgumentException("logits buffer too small", nameof(logits));

        var inputNames = new List<string>(4 + Signature.Layers.Count * 2);
        var inputValues = new List<OrtValue>(inputNames.Capacity);
        var outputValues = new OrtValue[_outputNames.Length];
        OrtValue[]? present = null;
        Float16[]? halfLogits = null;
        try
        {
            var ids = new long[count];
            for (var i = 0; i < count; i++) ids[i] = tokens[i];
            inputNames.Add(Signature.InputIds);
            inputValues.Add(OrtValue.CreateTensorValueFromMemory(ids, [1, count]));
            if (Signature.AttentionMask is { } mask)
            {
                // A shared, read-only buffer of ones: a new mask per step would make generation quadratic in garbage.
                inputNames.Add(mask);
                inputValues.Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, Ones(past + count), [1, past + count]));
            }
            if (Signature.PositionIds is { } positionName)
            {
                var positions = new long[count];
                for (var i = 0; i < count; i++) positions[i] = firstPosition + i;
                inputNames.Add(positionName);
                inputValues.Add(OrtValue.CreateTensorValueFromMemory(positions, [1, count]));
            }
            if (Signature.UseCacheBranch is { } branch)
            {
                inputNames.Add(branch);
                inputValues.Add(OrtValue.CreateTensorValueFromMemory(new[] { past > 0 }, [1]));
            }
            if (cache is not null)
            {
                for (var layer = 0; layer < Signature.Layers.Count; layer++)
                {
                    inputNames.Add(Signature.Layers[layer].PastKey);
                    inputNames.Add(Signature.Layers[layer].PastValue);
                }
                // The cache owns these; they are not disposed with the run's inputs.
                present = cache.AllocatePresent(past + count);
                Array.Copy(present, 0, outputValues, 1, present.Length);
            }

            var logitsShape = new long[] { 1, count, vocab };
            if (Signature.LogitsType == TensorElementType.Float16)
            {
                halfLogits = ArrayPool<Float16>.Shared.Rent(count * vocab);
                outputValues[0] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, halfLogits.AsMemory(0, count * vocab), logitsShape);
            }
            else
            {
                outputValues[0] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, logits[..(count * vocab)], logitsShape);
            }

            var allInputs = cache is null ? inputValues : [.. inputValues, .. cache.Values];
            _session.Run(runOptions, inputNames, allInputs, _outputNames, outputValues);

            if (halfLogits is not null)
                System.Numerics.Tensors.TensorPrimitives.ConvertToSingle(
                    System.Runtime.InteropServices.MemoryMarshal.Cast<Float16, Half>(halfLogits.AsSpan(0, count * vocab)), logits.Span);
            if (cache is not null)
            {
                cache.Replace(present!, past + count);
                present = null;
            }
        }
        finally
        {
            foreach (var v in inputValues) v.Dispose();
            outputValues[0]?.Dispose();
            if (present is not null) foreach (var v in present) v.Dispose();
            if (halfLogits is not null) ArrayPool<Float16>.Shared.Return(halfLogits);
        }
    }

    private long[] _ones = [];

    private Memory<long> Ones(int length)
    {
        var ones = _ones;
        if (ones.Length < length)
        {
            ones = new long[Math.Max(length, Math.Min(2 * Math.Max(ones.Length, 256), Math.Max(length, ContextLength)))];
            Array.Fill(ones, 1L);
            _ones = ones; // benign race: any published array is all ones
        }
        return ones.AsMemory(0, length);
    }

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();
}
