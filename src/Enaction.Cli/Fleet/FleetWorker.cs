using System.Text;
using System.Text.Json;
using Enaction.Detection;
using Enaction.Monitoring;
using Enaction.Onnx.Generation;
using Enaction.Onnx.Models;
using Enaction.Onnx.Scoring;
using Enaction.Policies;
using Enaction.Provenance;
using Enaction.Transcripts;

namespace Enaction.Cli.Fleet;

/// <summary>
/// One app instance of a fleet check (<c>enaction fleet-worker</c>, started by <c>fleet-check</c>): a monitored
/// generator on the bundled model with its own scoring sessions and a ledger over the shared store. It reads one turn
/// per line on stdin (a conversation id, a seed and the transcript so far), verifies the history, monitors the request,
/// generates, monitors the response and attests it, and writes one result line on stdout.
/// </summary>
internal sealed class FleetWorker(ConversationMonitor monitor, ProvenanceLedger ledger, LocalGenerator generator, GenerationOptions sampling, string modelId)
{
    private static readonly HashSet<string> ProvenanceKinds = [FindingKinds.Unattested, FindingKinds.Altered, FindingKinds.OffPolicy];

    /// <summary>Loads everything, says <c>{"ready":true}</c>, then serves turns until stdin closes.</summary>
    public static async Task<int> RunAsync(FleetWorkerSettings settings, TextReader input, TextWriter output, CancellationToken cancellationToken)
    {
        await using var store = await FleetStore.OpenAsync(settings.Store, cancellationToken).ConfigureAwait(false);
        var ledger = new ProvenanceLedger(store.Store, new ProvenanceOptions { Key = settings.Key, Tenant = settings.Tenant });
        // One intra-op thread: N instances share the machine's cores, as N app instances would share theirs.
        using var model = CausalLanguageModel.Load(settings.Model, new ModelOptions { IntraOpThreads = 1 });
        // The check is of the shared store, not of scoring latency: N instances on a few shared cores would miss the
        // policy's scoring time limit, so the instances wait longer for a verdict.
        using var monitor = new ConversationMonitor(new OnnxConversationScorer(model), new PolicyEngine(PolicyLoader.Load(settings.Policy)),
            new ConversationMonitorOptions { Ledger = ledger, ScoringTimeout = TimeSpan.FromMinutes(2) });
        var sampling = GenerationOptions.ForModel(model.Directory) with { MaxTokens = settings.MaxTokens };
        var worker = new FleetWorker(monitor, ledger, new LocalGenerator(model), sampling, model.Id);

        await output.WriteLineAsync("{\"ready\":true}").ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        while (await input.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0) continue;
            var reply = await worker.TurnAsync(line, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync(reply).ConfigureAwait(false);
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        return 0;
    }

    private async Task<string> TurnAsync(string line, CancellationToken cancellationToken)
    {
        using var request = JsonDocument.Parse(line);
        var conversation = request.RootElement.GetProperty("conversation").GetString()!;
        var seed = request.RootElement.GetProperty("seed").GetInt32();
        var transcript = TranscriptJson.Parse(Encoding.UTF8.GetBytes(request.RootElement.GetProperty("transcript").GetRawText())).Transcript;

        var verified = 0;
        var flagged = new SortedSet<int>();
        var forged = new SortedSet<int>();
        string? response = null;
        string? error = null;
        var attested = false;
        try
        {
            // What this instance's ledger says of each earlier answer, whichever instance wrote it.
            foreach (var p in await ledger.VerifyAsync(conversation, transcript, cancellationToken).ConfigureAwait(false))
            {
                if (p.Status == ProvenanceStatus.Attested) verified++;
                else flagged.Add(p.MessageIndex);
                if (p.Status == ProvenanceStatus.Forged) forged.Add(p.MessageIndex);
            }
            await using var exchange = await monitor.BeginAsync(new ExchangeRequest(conversation, transcript) { Model = modelId }, cancellationToken).ConfigureAwait(false);
            var requestVerdict = exchange.RequestVerdict;
            if (requestVerdict.ScoringFailed) throw new InvalidOperationException("request not judged: " + requestVerdict.FailureReason);
            foreach (var f in requestVerdict.Findings)
                if (ProvenanceKinds.Contains(f.Kind) && transcript[f.Message].Role == MessageRole.Assistant) flagged.Add(f.Message);

            var generated = await generator.GenerateAsync(transcript, sampling with { Seed = seed }, cancellationToken).ConfigureAwait(false);
            response = generated.Text;
            var full = transcript.Append(TranscriptMessage.Assistant(response));
            var index = full.Count - 1;
            var responseVerdict = await exchange.JudgeResponseAsync(full, [index], cancellationToken).ConfigureAwait(false);
            exchange.Call.Verdicts.Add(requestVerdict);
            exchange.Call.Verdicts.Add(responseVerdict);
            await exchange.CompleteAsync(full, [index], cancellationToken).ConfigureAwait(false);
            attested = true;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Reported per turn, with its type, so one bad turn is counted and shown instead of stopping the instance.
            error = e is AttestationStoreException ? e.Message : $"{e.GetType().Name}: {e.Message}";
        }

        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("conversation", conversation);
            writer.WriteString("response", response);
            writer.WriteBoolean("attested", attested);
            writer.WriteNumber("verified", verified);
            WriteIndices(writer, "flagged", flagged);
            WriteIndices(writer, "forged", forged);
            writer.WriteString("error", error);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteIndices(Utf8JsonWriter writer, string name, IEnumerable<int> indices)
    {
        writer.WriteStartArray(name);
        foreach (var i in indices) writer.WriteNumberValue(i);
        writer.WriteEndArray();
    }
}

/// <summary>What <c>fleet-worker</c> is started with.</summary>
internal sealed record FleetWorkerSettings(string Store, string Key, string Tenant, string Model, string Policy, int MaxTokens);
