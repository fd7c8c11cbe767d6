using System.CommandLine;
#if ENACTION_GENAI
using Enaction.Connectors.Onnx;
#endif
using Enaction.Onnx.Generation;
using Enaction.Onnx.Models;
using Enaction.Transcripts;

namespace Enaction.Cli.Commands;

/// <summary>
/// <c>enaction generate</c>: appends one sampled assistant response to a transcript. A transcript that ends with an
/// assistant message is a prefill, and the model continues that message.
/// </summary>
internal static class GenerateCommand
{
    public static Command Create(CliContext context)
    {
        var model = CommonOptions.Model();
        var transcript = CommonOptions.Transcript();
        var json = new Option<bool>("--json") { Description = "Print the whole transcript, with the response appended, as JSON" };
        var provider = CommonOptions.Provider();
        var template = CommonOptions.Template();
        var seed = new Option<int?>("--seed") { Description = "Seed for a reproducible sample" };
        var temperature = new Option<float?>("--temperature") { Description = "Sampling temperature; 0 is greedy (default: the model's generation_config.json, else 1)" };
        var topP = new Option<float?>("--top-p") { Description = "Nucleus sampling mass in (0, 1] (default: the model's generation_config.json, else 1)" };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Most tokens to generate", DefaultValueFactory = _ => 256 };
        var engine = new Option<string>("--engine")
        {
            Description = "What runs the decoder: onnx (ONNX Runtime, the scorer's own session) or genai (OnnxRuntimeGenAI; the folder needs genai_config.json). Same prompt, tokens and sampler either way",
            DefaultValueFactory = _ => "onnx",
        };
        engine.AcceptOnlyFromAmong("onnx", "genai");
        var command = new Command("generate", "Sample one assistant response with the local model and append it to the transcript")
        {
            model, transcript, json, provider, template, seed, temperature, topP, maxTokens, engine,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            // Settings given on the command line are checked before the model loads; the rest come from the model.
            var given = new GenerationOptions { Seed = parse.GetValue(seed), MaxTokens = parse.GetValue(maxTokens) };
            if (parse.GetValue(temperature) is { } t) given = given with { Temperature = t };
            if (parse.GetValue(topP) is { } p) given = given with { TopP = p };
            CommonOptions.ValidateSampling(given);
            var options = given;

            var messages = await CommonOptions.LoadTranscriptAsync(parse.GetRequiredValue(transcript), cancellationToken);
            var onGenAI = parse.GetValue(engine) == "genai";
            // With GenAI the ONNX Runtime session only renders and tokenizes; the provider is GenAI's.
            using var lm = CommonOptions.LoadModel(parse.GetRequiredValue(model), onGenAI ? ExecutionProvider.Cpu : parse.GetValue(provider), parse.GetValue(template));
            var shipped = GenerationOptions.ForModel(lm.Directory);
            options = options with
            {
                Temperature = parse.GetValue(temperature) ?? shipped.Temperature,
                TopP = parse.GetValue(topP) ?? shipped.TopP,
            };
            using var genai = onGenAI ? OpenGenAI(lm, parse.GetValue(provider)) : null;
            var result = await new LocalGenerator(lm, genai).GenerateAsync(messages, options, cancellationToken);

            var prefill = messages[^1].Role == MessageRole.Assistant;
            var completed = prefill
                ? new Transcript(messages.Messages.SetItem(messages.Count - 1, messages[^1] with { Content = messages[^1].Content + result.Text }))
                : messages.Append(TranscriptMessage.Assistant(result.Text));
            if (parse.GetValue(json)) await context.Output.WriteLineAsync(TranscriptJson.ToJson(completed));
            else await context.Output.WriteLineAsync(completed[^1].Content);
            return 0;
        });
        return command;
    }

#if ENACTION_GENAI
    // GenAI ships a CPU library here: auto and cpu leave the choice to genai_config.json, cuda asks for CUDA and fails
    // with one line when its library is missing.
    private static GenAIDecodingEngine OpenGenAI(CausalLanguageModel model, ExecutionProvider provider) =>
        GenAIDecodingEngine.Open(model.Directory.Path, provider == ExecutionProvider.Cuda ? [new Provider("cuda")] : null,
            new GenAIEngineOptions { CachedSequences = 0, MaxLength = model.ContextLength });
#else
    private static IDecodingEngineHandle OpenGenAI(CausalLanguageModel model, ExecutionProvider provider) =>
        throw new CliInputException("--engine genai: this is the GPU build of enaction, which leaves OnnxRuntimeGenAI out " +
            "(its package carries the CPU ONNX Runtime); use --engine onnx, or the default build");

    private interface IDecodingEngineHandle : IDecodingEngine, IDisposable;
#endif
}
