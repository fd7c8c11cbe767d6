using System.Collections.Concurrent;
using Enaction.Conformal;
using Enaction.Detection;
using Enaction.Evaluation;
using Enaction.Extensions.AI;
using Enaction.Monitoring;
using Enaction.Onnx.Generation;
using Enaction.Onnx.Models;
using Enaction.Onnx.Scoring;
using Enaction.Policies;
using Enaction.Transcripts;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Enaction.Bench.Benchmarks;

/// <summary>
/// Whether the conformal threshold keeps its promise on the model's own traffic. A monitor starts from a deliberately
/// wrong shipped threshold; the bundled chat model (<see cref="OnnxChatClient"/>) answers a mix of conversation shapes
/// (training wording, new wordings, new system prompts, earlier turns of its own answers, a tool message before the
/// answer) through the real monitoring pipeline, whose completed own turns fill the reservoir until the conformal
/// threshold takes over. Then as many fresh own turns of the same mix, never seen by the reservoir, are scored as the
/// detector scores a judged turn, and the realised false-positive rate is reported at the wrong threshold and at the
/// conformal one, against the target and the stated slack: the threshold's expected rate is within
/// [target - 1/(n + 1), target]; one reservoir's rate scatters around it with the Beta(n + 1 - k, k) spread, and the
/// held-out estimate adds binomial noise, so the check is realised &lt;= target + 2·sqrt(beta variance + target(1 - target)/m).
/// </summary>
public static class ConformalBenchmark
{
    /// <summary>Options.</summary>
    /// <param name="Prompts">Topics and training wordings to ask about (a prompt file, e.g. tests/fixtures/quality/heldout.jsonl).</param>
    /// <param name="TargetFprs">The policy's target (the first) and further targets computed from the same reservoir.</param>
    /// <param name="CalibrationTurns">Own turns run through the monitor (the reservoir's traffic).</param>
    /// <param name="HeldOutTurns">Fresh own turns the realised rate is measured on.</param>
    /// <param name="WrongShift">Added to the shipped threshold to make it deliberately wrong (negative: far too many false positives).</param>
    /// <param name="MaxTokens">Most tokens per answer.</param>
    /// <param name="Seed">Seed of the mix, the sampler and the reservoir.</param>
    /// <param name="Parallelism">Held-out transcripts scored at once.</param>
    public sealed record Options(IReadOnlyList<CalibrationPrompt> Prompts, IReadOnlyList<double> TargetFprs, int CalibrationTurns = 400,
        int HeldOutTurns = 1000, double WrongShift = -5, int MaxTokens = 128, int Seed = 1, int Parallelism = 2);

    private static readonly string[] Wordings = ["{0}", "Could you describe {1}?", "What can you tell me about {1}?", "I would like to know about {1}."];
    private static readonly string?[] Systems = [null, "You are a helpful assistant.", "You are a concise assistant. Answer in a few lines.", "You answer questions about the valley and its things."];
    private static readonly string[] Shapes = ["single turn", "new wording", "new system prompt", "earlier own turns", "tool message"];

    /// <summary>Runs the experiment with <paramref name="model"/> and the shipped <paramref name="calibration"/> (null: the curvature).</summary>
    public static async Task<ConformalResult> RunAsync(CausalLanguageModel model, Calibration? calibration, Options options, IProgress<string>? progress,
        CancellationToken cancellationToken)
    {
        var machine = BenchMachine.Current();
        var detector = new OffPolicyDetector();
        var shipped = detector.Rule(calibration).Threshold;
        var wrong = ConformalCalibrator.WithOffPolicyThreshold(calibration, shipped + options.WrongShift, model.Id, Calibration.HashFile(model.Directory.OnnxPath));
        var target = options.TargetFprs[0];
        var conformal = new ConformalOptions
        {
            TargetFpr = target,
            MinTurns = ConformalQuantile.MinimumSample(target),
            Capacity = Math.Max(options.CalibrationTurns, ConformalQuantile.MinimumSample(target)),
            ContrastSampleRate = 1,
            DriftWindow = Math.Max(20, options.CalibrationTurns / 4),
            Seed = (ulong)options.Seed,
        };
        var events = new EventCounter();
        using var scorer = new OnnxConversationScorer(model);
        var policy = PolicyLoader.Parse("""
            name: conformal-bench
            version: "1"
            mode: fail-open
            budgets: {scoring_timeout: 60s}
            rules:
              - name: log-everything
                actions: [log]
            """, "conformal-bench.yaml");
        using var monitor = new ConversationMonitor(scorer, new PolicyEngine(policy with { Conformal = conformal }),
            new ConversationMonitorOptions { Calibration = wrong, SessionCapacity = 8 }, events);
        const string agent = "bench";
        using var generator = new OnnxChatClient(model, GenerationOptions.ForModel(model.Directory) with { MaxTokens = options.MaxTokens });
        using var monitored = new MonitoringChatClient(generator, monitor, options: new MonitoringChatClientOptions { Agent = agent });
        var key = new OwnScoreKey(model.Id, agent, ConformalThresholds.ScoreSpace(wrong, scorer.WeightsSha256 ?? scorer.ModelId));

        // 1. Traffic through the monitor: its completed own turns fill the reservoir.
        var mix = new Mix(options.Prompts, options.Seed);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        int? switchedAt = null;
        for (var i = 0; i < options.CalibrationTurns; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (messages, _) = mix.Next();
            var chat = new ChatOptions { ConversationId = $"calibration-{i}", Seed = options.Seed * 100_000 + i };
            var response = await monitored.GetResponseAsync(messages, chat, cancellationToken);
            mix.Remember(messages, response.Text);
            if (switchedAt is null && await monitor.Conformal.ThresholdAsync(key, conformal, shipped + options.WrongShift, cancellationToken) is not null)
                switchedAt = i + 1;
            if ((i + 1) % 50 == 0) progress?.Report($"calibration traffic: {i + 1} of {options.CalibrationTurns} own turns");
        }
        var trafficSeconds = Samples.ElapsedMs(started) / 1000;
        var reservoir = await monitor.Conformal.Store.GetAsync(key, cancellationToken);
        var inForce = await monitor.Conformal.ThresholdAsync(key, conformal, shipped + options.WrongShift, cancellationToken)
            ?? throw new InvalidOperationException($"the reservoir holds {reservoir.Scores.Length} own scores, too few for a target of {target}; raise --calibration-turns");

        // 2. Fresh own turns of the same mix, scored as the detector scores a judged turn.
        var heldOut = new List<(Transcript Transcript, int Message, string Shape)>();
        var fresh = new Mix(options.Prompts, options.Seed + 7919);
        for (var i = 0; i < options.HeldOutTurns; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (messages, shape) = fresh.Next();
            var response = await generator.GetResponseAsync(messages, new ChatOptions { Seed = options.Seed * 100_000 + 50_000 + i }, cancellationToken);
            fresh.Remember(messages, response.Text);
            var transcript = ChatMessageConversion.ToTranscript(messages).Append(TranscriptMessage.Assistant(response.Text));
            heldOut.Add((transcript, transcript.Count - 1, shape));
            if ((i + 1) % 100 == 0) progress?.Report($"held-out own turns: {i + 1} of {options.HeldOutTurns}");
        }
        var scores = await ConformalCalibrator.ScoreAsync(scorer, [.. heldOut.Select(h => (h.Transcript, h.Message))], wrong,
            parallelism: options.Parallelism, cancellationToken: cancellationToken);
        var judged = Enumerable.Range(0, scores.Count).Where(i => double.IsFinite(scores[i])).ToList();
        var m = judged.Count;
        double Rate(IEnumerable<int> turns, double threshold)
        {
            var list = turns.ToList();
            return list.Count == 0 ? double.NaN : Samples.Round((double)list.Count(i => scores[i] >= threshold) / list.Count, 4);
        }

        var targets = new List<ConformalTargetResult>();
        foreach (var alpha in options.TargetFprs)
        {
            var t = alpha == target ? inForce : ConformalQuantile.Threshold(reservoir.Scores, alpha);
            if (t is null) continue;
            var realised = Rate(judged, t.Value);
            var slack = 2 * Math.Sqrt(t.SampleSpread * t.SampleSpread + alpha * (1 - alpha) / m);
            targets.Add(new ConformalTargetResult(alpha, t.SampleSize, t.Rank, Samples.Round(t.Value, 4), Samples.Round(t.ExpectedFpr, 4),
                Samples.Round(t.SampleSpread, 4), realised, Samples.Round(slack, 4), realised <= alpha + slack,
                [.. Shapes.Select(s => new ConformalShapeRate(s, judged.Count(i => heldOut[i].Shape == s), Rate(judged.Where(i => heldOut[i].Shape == s), t.Value)))]));
        }
        return new ConformalResult(model.Id, calibration is null ? "curvature" : "calibrated", Samples.Round(shipped, 4),
            Samples.Round(shipped + options.WrongShift, 4), Rate(judged, shipped + options.WrongShift), Rate(judged, shipped),
            options.CalibrationTurns, switchedAt, reservoir.Seen, reservoir.Scores.Length, options.HeldOutTurns, m,
            events.Count(MonitorEventIds.ConformalThresholdChanged), events.Count(MonitorEventIds.OwnScoreDrift), targets,
            Samples.Round(trafficSeconds, 1), options.Seed, machine);
    }

    /// <summary>The conversation mix: each turn draws a prompt, a wording, a system prompt and a shape.</summary>
    private sealed class Mix(IReadOnlyList<CalibrationPrompt> prompts, int seed)
    {
        private readonly Random _random = new(seed);
        private readonly List<(string Prompt, string Answer)> _answered = [];

        public (List<ChatMessage> Messages, string Shape) Next()
        {
            var prompt = prompts[_random.Next(prompts.Count)];
            var topic = prompt.Topic ?? prompt.Prompt;
            var shape = Shapes[_random.Next(Shapes.Length)];
            var messages = new List<ChatMessage>();
            var system = shape == "new system prompt" ? Systems[1 + _random.Next(Systems.Length - 1)] : prompt.System;
            if (system is { Length: > 0 }) messages.Add(new ChatMessage(ChatRole.System, system));
            if (shape == "earlier own turns" && _answered.Count > 0)
                for (var k = 1 + _random.Next(3); k > 0; k--)
                {
                    var (earlier, answer) = _answered[_random.Next(_answered.Count)];
                    messages.Add(new ChatMessage(ChatRole.User, earlier));
                    messages.Add(new ChatMessage(ChatRole.Assistant, answer));
                }
            var wording = shape == "new wording" ? Wordings[1 + _random.Next(Wordings.Length - 1)] : Wordings[0];
            messages.Add(new ChatMessage(ChatRole.User, string.Format(System.Globalization.CultureInfo.InvariantCulture, wording, prompt.Prompt, topic)));
            if (shape == "tool message")
                messages.Add(new ChatMessage(ChatRole.Tool, $"lookup: {topic} is listed in the registry of the valley."));
            return (messages, shape);
        }

        /// <summary>Keeps the model's answer to a plain request, for later turns' histories.</summary>
        public void Remember(List<ChatMessage> messages, string answer)
        {
            if (messages[^1].Role == ChatRole.User && answer.Length > 0) _answered.Add((messages[^1].Text, answer));
        }
    }

    /// <summary>Counts the monitor's events by id.</summary>
    private sealed class EventCounter : ILogger
    {
        private readonly ConcurrentDictionary<int, int> _counts = new();

        public int Count(int id) => _counts.GetValueOrDefault(id);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _counts.AddOrUpdate(eventId.Id, 1, (_, n) => n + 1);
    }
}

/// <summary>What <see cref="ConformalBenchmark"/> measured.</summary>
/// <param name="Model">Model id.</param>
/// <param name="ScoreMethod">calibrated (the combination) or curvature.</param>
/// <param name="ShippedThreshold">The shipped calibration's threshold.</param>
/// <param name="WrongThreshold">The deliberately wrong threshold the monitor started from.</param>
/// <param name="WrongThresholdFpr">Realised false-positive rate on the held-out own turns at the wrong threshold.</param>
/// <param name="ShippedThresholdFpr">The same at the shipped threshold (for comparison).</param>
/// <param name="CalibrationTurns">Own turns run through the monitor.</param>
/// <param name="SwitchedAfter">After how many own turns the conformal threshold took over.</param>
/// <param name="ReservoirSeen">Own turns the reservoir was offered (long enough to judge, with their contrast pass).</param>
/// <param name="ReservoirSize">Scores it holds.</param>
/// <param name="HeldOutTurns">Fresh own turns generated.</param>
/// <param name="HeldOutJudged">Those long enough for a signature.</param>
/// <param name="ThresholdChangeEvents">ConformalThresholdChanged events the monitor raised.</param>
/// <param name="DriftEvents">OwnScoreDrift events.</param>
/// <param name="Targets">Per target false-positive rate.</param>
/// <param name="TrafficSeconds">Wall time of the monitored traffic.</param>
/// <param name="Seed">Seed.</param>
/// <param name="Machine">Where it ran.</param>
public sealed record ConformalResult(string Model, string ScoreMethod, double ShippedThreshold, double WrongThreshold, double WrongThresholdFpr,
    double ShippedThresholdFpr, int CalibrationTurns, int? SwitchedAfter, long ReservoirSeen, int ReservoirSize, int HeldOutTurns, int HeldOutJudged,
    int ThresholdChangeEvents, int DriftEvents, IReadOnlyList<ConformalTargetResult> Targets, double TrafficSeconds, int Seed, BenchMachine Machine);

/// <summary>One target false-positive rate.</summary>
/// <param name="TargetFpr">alpha.</param>
/// <param name="SampleSize">n.</param>
/// <param name="Rank">k.</param>
/// <param name="Threshold">The conformal threshold.</param>
/// <param name="ExpectedFpr">(n + 1 - k)/(n + 1).</param>
/// <param name="SampleSpread">Sd of one reservoir's rate (Beta).</param>
/// <param name="RealisedFpr">Share of held-out own turns at or above the threshold.</param>
/// <param name="Slack">2·sqrt(spread² + alpha(1 - alpha)/m).</param>
/// <param name="WithinSlack">RealisedFpr &lt;= alpha + Slack.</param>
/// <param name="ByShape">The realised rate per conversation shape.</param>
public sealed record ConformalTargetResult(double TargetFpr, int SampleSize, int Rank, double Threshold, double ExpectedFpr, double SampleSpread,
    double RealisedFpr, double Slack, bool WithinSlack, IReadOnlyList<ConformalShapeRate> ByShape);

/// <summary>The realised false-positive rate on one conversation shape.</summary>
/// <param name="Shape">The shape.</param>
/// <param name="Turns">Held-out own turns of that shape.</param>
/// <param name="RealisedFpr">Their share at or above the threshold.</param>
public sealed record ConformalShapeRate(string Shape, int Turns, double RealisedFpr);
