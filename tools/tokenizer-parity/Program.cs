// Tokenizer parity for the bundled models: OnnxRuntimeGenAI's tokenizer (which needs tokenizer.json's digit split as
// ` ?\p{N}+`), the project's tokenizer on the shipped tokenizer.json, the project's tokenizer with the split the model
// was trained with (` ?\p{N}`) and, for the corpus, the ids the trainer's own tokenizer wrote (corpus.py).
//
//   /usr/bin/python3 tools/tokenizer-parity/corpus.py /tmp/corpus.jsonl
//   dotnet run --project tools/tokenizer-parity -- /tmp/corpus.jsonl
//
// Exit code 0 when every text gives the same ids in every engine, 1 otherwise (the first differences are printed).
using System.Text.Json;
using Enaction.Connectors.Onnx.Tests.Tokenization;
using Enaction.Onnx.Tokenization;
using Microsoft.ML.OnnxRuntimeGenAI;

var root = RepoRoot();
var failures = 0;
foreach (var name in new[] { "tiny-chat", "tiny-base" })
{
    var folder = Path.Combine(root, "models", name);
    using var model = new Model(folder);
    using var genai = new Tokenizer(model);
    var project = TextTokenizer.Load(folder);
    var training = TrainingPattern(folder);

    var (texts, tokens) = (0L, 0L);
    foreach (var (file, text) in FixtureTexts.All(root))
    {
        Check(name, file, text, null);
        texts++;
    }
    foreach (var (_, text, ids) in FixtureTexts.TrainerChecks(root))
    {
        Check(name, "tests/fixtures/reference tokenizer_checks", text, ids);
        texts++;
    }
    Console.WriteLine($"{name}: fixtures: {texts} texts checked");

    foreach (var corpus in args)
    {
        (texts, tokens) = (0, 0);
        foreach (var line in File.ReadLines(corpus))
        {
            using var doc = JsonDocument.Parse(line);
            var text = doc.RootElement.GetProperty("text").GetString()!;
            int[] ids = [.. doc.RootElement.GetProperty("ids").EnumerateArray().Select(i => i.GetInt32())];
            Check(name, corpus + ":" + doc.RootElement.GetProperty("source").GetString(), text, ids);
            texts++;
            tokens += ids.Length;
        }
        Console.WriteLine($"{name}: {corpus}: {texts} texts, {tokens} tokens checked");
    }

    void Check(string model, string where, string text, int[]? trainer)
    {
        var ids = project.Encode(text);
        using var sequences = genai.Encode(text);
        var same = ids.AsSpan().SequenceEqual(sequences[0]) && ids.AsSpan().SequenceEqual(training.Encode(text))
            && (trainer is null || ids.AsSpan().SequenceEqual(trainer));
        if (same) return;
        if (++failures <= 10) Console.WriteLine($"DIFFERENT {model} {where}: {JsonSerializer.Serialize(text.Length > 80 ? text[..80] : text)}");
    }
}
Console.WriteLine(failures == 0 ? "identical ids everywhere" : $"{failures} texts differ");
return failures == 0 ? 0 : 1;

static TextTokenizer TrainingPattern(string folder)
{
    var dir = Path.Combine(Path.GetTempPath(), "enaction-parity", Guid.NewGuid().ToString("N"));
    Directory.CreateDirectory(dir);
    var json = File.ReadAllText(Path.Combine(folder, "tokenizer.json"));
    const string exported = @" ?\\p{N}+|", trained = @" ?\\p{N}|";
    if (!json.Contains(exported, StringComparison.Ordinal)) throw new InvalidOperationException($"{folder}/tokenizer.json: the digit split is not ` ?\\p{{N}}+`");
    File.WriteAllText(Path.Combine(dir, "tokenizer.json"), json.Replace(exported, trained, StringComparison.Ordinal));
    File.Copy(Path.Combine(folder, "tokenizer_config.json"), Path.Combine(dir, "tokenizer_config.json"));
    return TextTokenizer.Load(dir);
}

static string RepoRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "Monitor.sln"))) return dir.FullName;
    return Directory.GetCurrentDirectory();
}
