using Enaction.Onnx.Models;
using Enaction.Onnx.Scoring;

namespace Enaction.Bench.Benchmarks;

/// <summary>
/// Many conversations at once on one shared model: each conversation has its own session and thread and scores
/// its turns one after another, incrementally. Reports total tokens per second and per-turn latency percentiles.
/// </summary>
public sealed class ConcurrencyBenchmark
{
    /// <summary>Options.</summary>
    /// <param name="Conversations">Concurrency levels to run.</param>
    /// <param name="Turns">Turns per conversation.</param>
    /// <param name="TokensPerTurn">Tokens each turn adds.</param>
    public sealed record Options(IReadOnlyList<int> Conversations, int Turns = 10, int TokensPerTurn = 48);

    /// <summary>Runs every concurrency level on <paramref name="model"/>.</summary>
    public static async Task<ConcurrencyResult> RunAsync(CausalLanguageModel model, int intraOpThreads, Options options, CancellationToken cancellationToken)
    {
        var machine = BenchMachine.Current();
        var text = SyntheticText.For(model);
        await JitWarmup.RunAsync(model, text, cancellationToken);
        var maxConversations = options.Conversations.Max();
        var conversations = Enumerable.Range(0, maxConversations)
            .Select(i => text.Conversation(options.Turns, options.TokensPerTurn, seed: 100 + i)).ToArray();
        await Task.Run(() => Run(model, conversations.Take(1).ToArray(), cancellationToken), cancellationToken); // warm-up
        var rows = new List<ConcurrencyRow>();
        foreach (var level in options.Conversations)
            rows.Add(await Task.Run(() => Run(model, conversations.Take(level).ToArray(), cancellationToken), cancellationToken));
        return new ConcurrencyResult(model.Id, options.Turns, options.TokensPerTurn, intraOpThreads, rows, machine);
    }

    private static ConcurrencyRow Run(CausalLanguageModel model, SyntheticConversation[] conversations, CancellationToken cancellationToken)
    {
        var latencies = new double[conversations.Length][];
        var tokens = new long[conversations.Length];
        var failures = new Exception?[conversations.Length];
        using var start = new ManualResetEventSlim();
        var threads = new Thread[conversations.Length];
        for (var c = 0; c < conversations.Length; c++)
        {
            var index = c;
            threads[c] = new Thread(() =>
            {
                try
                {
                    var conversation = conversations[index];
                    latencies[index] = new double[conversation.Turns.Count];
                    using var session = new OnnxScoringSession(model);
                    start.Wait(cancellationToken);
                    for (var t = 0; t < conversation.Turns.Count; t++)
                    {
                        var began = System.Diagnostics.Stopwatch.GetTimestamp();
                        session.ScoreAsync(conversation.Turns[t], cancellationToken).AsTask().GetAwaiter().GetResult();
                        latencies[index][t] = Samples.ElapsedMs(began);
                        tokens[index] += session.LastRun.ComputedTokens;
                    }
                }
                catch (Exception e)
                {
                    failures[index] = e;
                }
            }) { Name = $"conversation {c}" };
            threads[c].Start();
        }
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        start.Set();
        foreach (var thread in threads) thread.Join();
        var wall = Samples.ElapsedMs(started);
        if (failures.FirstOrDefault(f => f is not null) is { } failure)
            throw new InvalidOperationException("a conversation failed: " + failure.Message, failure);
        var all = latencies.SelectMany(l => l).ToArray();
        var total = tokens.Sum();
        return new ConcurrencyRow(conversations.Length, total, Samples.Round(wall), Samples.Round(total / wall * 1000, 0),
            Samples.Round(Samples.Percentile(all, 50)), Samples.Round(Samples.Percentile(all, 95)));
    }
}

/// <summary>One concurrency level.</summary>
/// <param name="Conversations">Conversations scored at once.</param>
/// <param name="Tokens">Tokens run through the model in all.</param>
/// <param name="WallMs">Time from start to the last conversation's last turn.</param>
/// <param name="TokensPerSecond">Tokens / WallMs.</param>
/// <param name="P50Ms">Median per-turn latency.</param>
/// <param name="P95Ms">95th-percentile per-turn latency.</param>
public sealed record ConcurrencyRow(int Conversations, long Tokens, double WallMs, double TokensPerSecond, double P50Ms, double P95Ms);

/// <summary>What <see cref="ConcurrencyBenchmark"/> measured.</summary>
/// <param name="Model">Model id.</param>
/// <param name="Turns">Turns per conversation.</param>
/// <param name="TokensPerTurn">Tokens each turn adds.</param>
/// <param name="IntraOpThreads">ONNX Runtime intra-op threads (0 = one per core).</param>
/// <param name="Rows">One row per level.</param>
/// <param name="Machine">Where it ran.</param>
public sealed record ConcurrencyResult(string Model, int Turns, int TokensPerTurn, int IntraOpThreads, IReadOnlyList<ConcurrencyRow> Rows, BenchMachine Machine);
