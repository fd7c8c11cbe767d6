using System.CommandLine;
using Enaction.Cli.Output;
using Enaction.Onnx.Scoring;

namespace Enaction.Cli.Commands;

/// <summary><c>enaction score</c>: per-token entropy and surprisal of a transcript under a model.</summary>
internal static class ScoreCommand
{
    public static Command Create(CliContext context)
    {
        var model = CommonOptions.Model();
        var transcript = CommonOptions.Transcript();
        var json = CommonOptions.Json();
        var provider = CommonOptions.Provider();
        var template = CommonOptions.Template();
        var command = new Command("score", "Teacher-force a transcript through the model and print each token's entropy, surprisal and rank")
        {
            model, transcript, json, provider, template,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            // Read the transcript first: a bad transcript should not wait for a model to load.
            var messages = await CommonOptions.LoadTranscriptAsync(parse.GetRequiredValue(transcript), cancellationToken);
            using var lm = CommonOptions.LoadModel(parse.GetRequiredValue(model), parse.GetValue(provider), parse.GetValue(template));
            using var scorer = new OnnxConversationScorer(lm);
            var scored = await scorer.ScoreAsync(messages, cancellationToken);
            if (parse.GetValue(json)) ScoreJson.Write(context.Output, scored);
            else ScoreTable.Write(context.Console, scored);
            return 0;
        });
        return command;
    }
}
