using System.CommandLine;
using System.Text;
using Enaction.Cli.Output;
using Enaction.Onnx.Tokenization;

namespace Enaction.Cli.Commands;

/// <summary>
/// <c>enaction tokenize</c>: the ids, token texts and character offsets a model folder's tokenizer gives a text, so
/// anyone can check a folder against Hugging Face. Needs only the tokenizer files, no ONNX model.
/// </summary>
internal static class TokenizeCommand
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static Command Create(CliContext context)
    {
        var model = CommonOptions.Model();
        model.Description = "Model or tokenizer folder (tokenizer.json, vocab.json + merges.txt, tokenizer.model or *.tiktoken)";
        var text = new Option<string?>("--text") { Description = "The text to tokenize" };
        var textFile = new Option<FileInfo?>("--text-file") { Description = "A UTF-8 file whose whole content is tokenized" };
        var json = CommonOptions.Json();
        var command = new Command("tokenize", "Print the token ids, token texts and character offsets of a text (special-token text is matched as Hugging Face does; no BOS is added)")
        {
            model, text, textFile, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var given = parse.GetValue(text);
            var file = parse.GetValue(textFile);
            if ((given is null) == (file is null)) throw new CliInputException("give the text with exactly one of --text or --text-file");
            var input = given ?? await ReadAsync(file!, cancellationToken);
            var tokenizer = TextTokenizer.Load(parse.GetRequiredValue(model));
            var ids = new List<int>();
            var offsets = new List<Range>();
            tokenizer.Encode(input, ids, offsets);
            if (parse.GetValue(json)) TokenizeJson.Write(context.Output, tokenizer, input, ids, offsets);
            else TokenizeTable.Write(context.Console, tokenizer, input, ids, offsets);
            return 0;
        });
        return command;
    }

    private static async Task<string> ReadAsync(FileInfo file, CancellationToken cancellationToken)
    {
        if (!file.Exists) throw new CliInputException($"{file.FullName}: no such text file");
        var bytes = await File.ReadAllBytesAsync(file.FullName, cancellationToken);
        try
        {
            var text = StrictUtf8.GetString(bytes);
            return text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
        }
        catch (DecoderFallbackException e)
        {
            throw new CliInputException($"{file.FullName}: not valid UTF-8 (byte {e.Index} of the file)");
        }
    }
}
