using System.CommandLine;
using System.Globalization;
using Enaction.Cli.Fleet;
using Enaction.Cli.Output;

namespace Enaction.Cli.Commands;

/// <summary>
/// <c>enaction fleet-check</c>: several real instances monitoring conversations against one shared attestation store,
/// conversations moving between them at random; and the hidden <c>fleet-worker</c> each instance runs.
/// </summary>
internal static class FleetCheckCommand
{
    public static Command Create(CliContext context)
    {
        var store = new Option<string>("--store")
        {
            Description = "The shared store: an Npgsql connection string (Host=...;Port=...;Username=...;Database=...), or sqlite:PATH",
            Required = true,
        };
        var instances = new Option<int>("--instances") { Description = "App instances (processes) to run", DefaultValueFactory = _ => 4 };
        var conversations = new Option<int>("--conversations") { Description = "Conversations to run", DefaultValueFactory = _ => 50 };
        var turns = new Option<int>("--turns") { Description = "User turns per conversation (each one answered and attested)", DefaultValueFactory = _ => 3 };
        var model = CommonOptions.Model();
        model.DefaultValueFactory = _ => "models/tiny-chat";
        model.Required = false;
        var policy = new Option<string>("--policy") { Description = "Policy the instances monitor under", DefaultValueFactory = _ => "policies/default.yaml" };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Most tokens per generated answer", DefaultValueFactory = _ => 24 };
        var seed = new Option<int>("--seed") { Description = "Seed for prompts, routing and sampling", DefaultValueFactory = _ => 1 };
        var json = CommonOptions.Json();
        var command = new Command("fleet-check",
            "Run N instances of the monitored model against one shared attestation store, move conversations between them at random, " +
            "forge a row mid-run, and report what was attested, verified, lost and falsely flagged")
        {
            store, instances, conversations, turns, model, policy, maxTokens, seed, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new FleetCheckSettings(parse.GetRequiredValue(store), parse.GetValue(instances), parse.GetValue(conversations),
                parse.GetValue(turns), Path.GetFullPath(parse.GetValue(model)!), Path.GetFullPath(parse.GetValue(policy)!), parse.GetValue(maxTokens), parse.GetValue(seed));
            if (settings.Instances is < 1 or > 64) throw new CliInputException($"--instances is {settings.Instances}; expected 1 to 64");
            if (settings.Conversations < 1) throw new CliInputException($"--conversations is {settings.Conversations}; expected 1 or more");
            if (settings.Turns < 1) throw new CliInputException($"--turns is {settings.Turns}; expected 1 or more");
            if (settings.MaxTokens < 1) throw new CliInputException($"--max-tokens is {settings.MaxTokens}; expected 1 or more");
            if (!Directory.Exists(settings.Model)) throw new CliInputException($"{settings.Model}: no such model directory");
            if (!File.Exists(settings.Policy)) throw new CliInputException($"{settings.Policy}: no such policy file");

            var asJson = parse.GetValue(json);
            var report = await FleetCheck.RunAsync(settings, line => { if (!asJson) context.Error.WriteLine(line); }, cancellationToken);
            if (asJson)
            {
                WriteJson(context.Output, report);
                foreach (var e in report.Errors) await context.Error.WriteLineAsync("error: " + e);
            }
            else await WriteTableAsync(context.Output, report);
            return report.Lost == 0 && report.FalseFlags == 0 && report.ForgedReported ? 0 : 1;
        });
        return command;
    }

    public static Command CreateWorker(CliContext context)
    {
        var store = new Option<string>("--store") { Required = true };
        var tenant = new Option<string>("--tenant") { Required = true };
        var model = new Option<string>("--model") { Required = true };
        var policy = new Option<string>("--policy") { Required = true };
        var maxTokens = new Option<int>("--max-tokens") { DefaultValueFactory = _ => 24 };
        var command = new Command("fleet-worker", "One instance of fleet-check (started by it)") { store, tenant, model, policy, maxTokens };
        command.Hidden = true;
        command.SetAction(async (parse, cancellationToken) =>
        {
            var key = FleetCheck.WorkerKey() ?? throw new CliInputException("fleet-worker is started by fleet-check, which passes the ledger key in its environment");
            var settings = new FleetWorkerSettings(parse.GetRequiredValue(store), key, parse.GetRequiredValue(tenant),
                parse.GetRequiredValue(model), parse.GetRequiredValue(policy), parse.GetValue(maxTokens));
            return await FleetWorker.RunAsync(settings, Console.In, context.Output, cancellationToken);
        });
        return command;
    }

    private static void WriteJson(TextWriter output, FleetReport r) => CliJson.Write(output, FleetCheckJson.From(r));

    private static async Task WriteTableAsync(TextWriter output, FleetReport r)
    {
        var c = CultureInfo.InvariantCulture;
        await output.WriteLineAsync(string.Create(c, $"instances {r.Instances}, conversations {r.Conversations}, turns moved between instances {r.Moves}"));
        await output.WriteLineAsync(string.Create(c, $"attested {r.Attested}, verified by another turn {r.Verified}, lost {r.Lost}, falsely flagged {r.FalseFlags}"));
        await output.WriteLineAsync(string.Create(c, $"forged rows inserted {r.ForgedRows}, reported: {(r.ForgedReported ? "yes" : "NO")}"));
        await output.WriteLineAsync(string.Create(c, $"{r.AttestationsPerSecond:0.00} attestations per second ({r.Attested} in {r.Seconds:0.0} s, model loading excluded)"));
        foreach (var e in r.Errors) await output.WriteLineAsync("error: " + e);
    }
}
