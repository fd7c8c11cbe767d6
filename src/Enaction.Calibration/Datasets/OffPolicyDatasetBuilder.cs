using System.Collections.Concurrent;
using Enaction.Evaluation;
using Enaction.Onnx.Generation;
using Enaction.Onnx.Models;
using Enaction.Transcripts;

namespace Enaction.Evaluation;

/// <summary>
/// Builds a labelled off-policy dataset for one model from prompts: for each prompt the model's own samples, drawn with
/// the sampler it ships with (<see cref="GenerationOptions.ForModel"/>), as negatives and, as positives, another model's sample, the corpus answers, the model's own answer to a
/// different prompt (swap) and a different prompt's opening words continued by the model (prefill). A prompt with
/// earlier requests (<see cref="CalibrationPrompt.History"/>) is asked after the model has answered each of them itself;
/// one with a tool call is answered after the call and its result.
/// </summary>
public sealed class OffPolicyDatasetBuilder
{
    private readonly LocalGenerator _model;
    private readonly LocalGenerator? _other;
    private readonly GenerationOptions _ownSampler;
    private readonly GenerationOptions? _otherSampler;
    private readonly OffPolicyDatasetOptions _options;

    /// <summary>Builds with <paramref name="model"/>; <paramref name="other"/> (optional) supplies other-model samples.</summary>
    public OffPolicyDatasetBuilder(CausalLanguageModel model, CausalLanguageModel? other = null, OffPolicyDatasetOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _options = options ?? new OffPolicyDatasetOptions();
        _options.Validate();
        _model = new LocalGenerator(model);
        _other = other is null ? null : new LocalGenerator(other);
        // Each model samples as it ships (generation_config.json): on-policy means what the deployed sampler writes.
        var shipped = GenerationOptions.ForModel(model.Directory);
        _ownSampler = shipped with { Temperature = _options.Temperature ?? shipped.Temperature, TopP = _options.TopP ?? shipped.TopP };
        _ownSampler.Validate();
        _otherSampler = other is null ? null : GenerationOptions.ForModel(other.Directory);
    }

    /// <summary>Generation steps <see cref="BuildAsync"/> reports progress in, for <paramref name="prompts"/> prompts.</summary>
    public int Steps(int prompts) => prompts * (_options.Samples + 1 + (_other is null ? 0 : 1));

    /// <summary>Generation steps <see cref="BuildAsync"/> reports progress in for <paramref name="prompts"/>, their earlier requests included.</summary>
    public int Steps(IReadOnlyList<CalibrationPrompt> prompts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        var history = 0;
        foreach (var p in prompts) history += p.History.Length;
        return Steps(prompts.Count) + history;
    }

    /// <summary>
    /// Builds the dataset, grouped by prompt in prompt order: own samples, other model, corpus answers, swap, prefill.
    /// <paramref name="progress"/> receives the generation steps finished so far (see <see cref="Steps(IReadOnlyList{CalibrationPrompt})"/>).
    /// </summary>
    public async Task<IReadOnlyList<LabelledTranscript>> BuildAsync(IReadOnlyList<CalibrationPrompt> prompts,
        IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        if (prompts.Count < 2) throw new ArgumentException("a dataset needs at least two prompts (swaps and prefills borrow another prompt's answer)", nameof(prompts));
        var done = 0;
        void Step() => progress?.Report(Interlocked.Increment(ref done));
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.Parallelism, CancellationToken = cancellationToken };

        // Pass 0: the model answers each earlier request itself, in order, so a multi-turn history is its own.
        var contexts = new Transcript[prompts.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, prompts.Count), parallel, async (i, ct) =>
        {
            var p = prompts[i];
            var answers = new List<string>(p.History.Length);
            var messages = new List<TranscriptMessage>();
            if (p.System is { Length: > 0 } system) messages.Add(TranscriptMessage.System(system));
            for (var h = 0; h < p.History.Length; h++)
            {
                messages.Add(TranscriptMessage.User(p.History[h]));
                var answer = (await _model.GenerateAsync(new Transcript([.. messages]), Options(i, h, 3), ct).ConfigureAwait(false)).Text;
                messages.Add(TranscriptMessage.Assistant(answer));
                answers.Add(answer);
                Step();
            }
            contexts[i] = p.ToTranscript(answers);
        }).ConfigureAwait(false);

        // Pass 1: own samples and the other model's sample for every prompt.
        var own = new string[prompts.Count][];
        var other = new string?[prompts.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, prompts.Count), parallel, async (i, ct) =>
        {
            var transcript = contexts[i];
            own[i] = new string[_options.Samples];
            for (var s = 0; s < _options.Samples; s++)
            {
                own[i][s] = (await _model.GenerateAsync(transcript, Options(i, s, 0), ct).ConfigureAwait(false)).Text;
                Step();
            }
            if (_other is not null)
            {
                other[i] = (await _other.GenerateAsync(transcript, Options(i, 0, 1), ct).ConfigureAwait(false)).Text;
                Step();
            }
        }).ConfigureAwait(false);

        // Pass 2: prefills (another prompt's opening, continued by the model).
        var partners = Partners(prompts);
        var prefills = new ConcurrentDictionary<int, (string Text, int Chars)>();
        await Parallel.ForEachAsync(Enumerable.Range(0, prompts.Count), parallel, async (i, ct) =>
        {
            // A different-topic prefill must not name this prompt's own topic (a donor's off-topic answer can).
            var opening = "";
            foreach (var donor in (int[])[partners[i].Prefill, partners[i].Swap])
            {
                opening = Opening(own[donor][0], _options.PrefillWords, prompts[donor].Topic);
                if (!Names(opening, prompts[i].Topic)) break;
                opening = "";
            }
            if (opening.Length > 0)
            {
                var transcript = contexts[i].Append(TranscriptMessage.Assistant(opening));
                var continued = await _model.GenerateAsync(transcript, Options(i, 0, 2), ct).ConfigureAwait(false);
                prefills[i] = (opening + continued.Text, opening.Length);
            }
            Step();
        }).ConfigureAwait(false);

        var result = new List<LabelledTranscript>();
        for (var i = 0; i < prompts.Count; i++)
        {
            var p = prompts[i];
            var context = contexts[i];
            var target = context.Count;
            void Add(string text, bool offPolicy, string source, int prefillChars = 0)
            {
                if (string.IsNullOrWhiteSpace(text)) return; // an empty turn has nothing to score
                result.Add(new LabelledTranscript(context.Append(TranscriptMessage.Assistant(text)), target, offPolicy, source, p.Family, prefillChars, p.Shape));
            }
            foreach (var sample in own[i]) Add(sample, false, OffPolicySources.Own);
            if (other[i] is { } o) Add(o, true, OffPolicySources.OtherModel);
            foreach (var answer in p.Answers) Add(answer, true, OffPolicySources.Corpus);
            Add(own[partners[i].Swap][0], true, OffPolicySources.Swap);
            if (prefills.TryGetValue(i, out var prefill)) Add(prefill.Text, true, OffPolicySources.Prefill, prefill.Chars);
        }
        return result;
    }

    /// <summary>
    /// The first <paramref name="words"/> words of <paramref name="text"/> (fewer for a short answer, so the model has
    /// something left to write), ending at the end of a word. When the text names <paramref name="topic"/> (the donor
    /// prompt's topic) later than that, the opening runs on through its first mention, so a different-topic prefill
    /// carries its topic: eight words of a stock phrase such as "What a lovely thing to ask about: the" say nothing
    /// about any topic, and the model's own answer often opens with exactly them.
    /// </summary>
    public static string Opening(string text, int words, string? topic = null)
    {
        var ends = new List<int>();
        var inWord = false;
        for (var c = 0; c < text.Length; c++)
        {
            var space = char.IsWhiteSpace(text[c]);
            if (inWord && space) ends.Add(c);
            inWord = !space;
        }
        if (inWord) ends.Add(text.Length);
        if (ends.Count == 0) return "";
        var take = Math.Min(words, Math.Max(1, ends.Count - 1));
        var mention = string.IsNullOrWhiteSpace(topic) ? -1 : text.IndexOf(topic, StringComparison.OrdinalIgnoreCase);
        if (mention >= 0)
        {
            // The word that ends the mention, if the model would still have a word left to write after it.
            var through = ends.FindIndex(e => e >= mention + topic!.Length) + 1;
            if (through > take && through <= ends.Count - 1) take = through;
        }
        return text[..ends[take - 1]];
    }

    private static bool Names(string text, string? topic) =>
        !string.IsNullOrWhiteSpace(topic) && text.Contains(topic, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// For each prompt, the prompts whose own answers it borrows: the next prompts of the same family (in file order,
    /// wrapping) with a different topic and text; the prefill donor is the one after the swap donor.
    /// </summary>
    private static (int Swap, int Prefill)[] Partners(IReadOnlyList<CalibrationPrompt> prompts)
    {
        var result = new (int, int)[prompts.Count];
        for (var i = 0; i < prompts.Count; i++)
        {
            var found = new List<int>();
            foreach (var sameFamily in new[] { true, false })
            {
                for (var k = 1; k < prompts.Count && found.Count < 2; k++)
                {
                    var j = (i + k) % prompts.Count;
                    if ((prompts[j].Family == prompts[i].Family) != sameFamily || found.Contains(j)) continue;
                    if (prompts[j].Prompt == prompts[i].Prompt && prompts[j].System == prompts[i].System) continue;
                    if (prompts[i].Topic is { } topic && prompts[j].Topic == topic) continue;
                    found.Add(j);
                }
            }
            // With only same-topic prompts left, any other prompt will do.
            for (var k = 1; found.Count < 2; k++) found.Add((i + k) % prompts.Count);
            result[i] = (found[0], found[1]);
        }
        return result;
    }

    private GenerationOptions Options(int prompt, int sample, int role) => (role == 1 ? _otherSampler! : _ownSampler) with
    {
        MaxTokens = _options.MaxTokens,
        Seed = Seed(_options.Seed, prompt, sample, role),
    };

    /// <summary>A seed per (prompt, sample, role) that does not depend on the order prompts are processed in.</summary>
    private static int Seed(int seed, int prompt, int sample, int role)
    {
        var h = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL;
        h ^= (ulong)prompt + 0x632BE59BD9B4E019UL + (h << 6) + (h >> 2);
        h ^= (ulong)sample * 0xBF58476D1CE4E5B9UL + (h << 6) + (h >> 2);
        h ^= (ulong)role * 0x94D049BB133111EBUL + (h << 6) + (h >> 2);
        h ^= h >> 31;
        return (int)(h & 0x7FFFFFFF);
    }
}
