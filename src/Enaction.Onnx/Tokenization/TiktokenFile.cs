using System.Text;
using Enaction.Onnx.Models;
using Microsoft.ML.Tokenizers;

namespace Enaction.Onnx.Tokenization;

/// <summary>
/// Loads a tiktoken rank file (<c>base64-bytes rank</c> per line). The file is validated and cleaned here first:
/// Microsoft.ML.Tokenizers 2.0.1 loops forever on a blank line inside the file and reports no line numbers.
/// </summary>
internal static class TiktokenFile
{
    /// <summary>cl100k_base's split pattern as tiktoken publishes it (possessives are adapted by <see cref="RegexDialect"/>).</summary>
    public const string Cl100kPattern = @"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+";

    public static TextTokenizer Load(string path, TokenizerConfig config)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException(path, $"cannot read the file ({e.Message})", e);
        }

        var bytesById = new Dictionary<int, byte[]>(lines.Length);
        var clean = new StringBuilder(lines.Length * 12);
        var max = -1;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0) continue;
            var space = line.IndexOf(' ');
            byte[] bytes;
            int rank;
            try
            {
                bytes = Convert.FromBase64String(space > 0 ? line[..space] : "!");
                rank = int.Parse(line.AsSpan(space + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (FormatException)
            {
                throw new ModelLoadException(path, $"line {i + 1}: expected \"<base64 bytes> <rank>\", found \"{Shorten(line)}\"");
            }
            if (!bytesById.TryAdd(rank, bytes))
                throw new ModelLoadException(path, $"line {i + 1}: rank {rank} appears twice");
            max = Math.Max(max, rank);
            clean.Append(line).Append('\n');
        }
        if (bytesById.Count == 0) throw new ModelLoadException(path, "the rank file has no entries; expected lines \"<base64 bytes> <rank>\"");

        var special = HuggingFaceBpe.SpecialTokenIds(config.AddedTokens);
        foreach (var id in special.Values) max = Math.Max(max, id);

        var pattern = HuggingFaceBpe.NewRegex(Path.Combine(Path.GetDirectoryName(path) ?? ".", TokenizerConfig.FileName), config.PatternOverride ?? Cl100kPattern);
        TiktokenTokenizer tokenizer;
        try
        {
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(clean.ToString()));
            // Added tokens are cut out by TextTokenizer before this sees a stretch; the special tokens here serve decoding.
            tokenizer = TiktokenTokenizer.Create(stream, new SplitPreTokenizer([new SplitStep(pattern, SplitBehavior.Isolated)]), normalizer: null, special.Count > 0 ? special : null);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException)
        {
            throw new ModelLoadException(path, $"not a valid tiktoken rank file ({e.Message})", e);
        }

        var byBytes = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (id, bytes) in bytesById) byBytes.TryAdd(Convert.ToBase64String(bytes), id);
        return new TextTokenizer(
            tokenizer, "tiktoken", path, config.AddedTokens, special, max + 1,
            token => special.TryGetValue(token, out var s) ? s : byBytes.TryGetValue(Convert.ToBase64String(Encoding.UTF8.GetBytes(token)), out var v) ? v : null,
            id => bytesById.GetValueOrDefault(id),
            config,
            (text, start, length, ids, offsets) =>
            {
                foreach (var token in tokenizer.EncodeToTokens(text.AsSpan(start, length), out _))
                {
                    ids.Add(token.Id);
                    offsets.Add(TextTokenizer.Clamp(text, (start + token.Offset.Start.Value)..(start + token.Offset.End.Value)));
                }
            },
            ids => tokenizer.Decode(ids));
    }

    private static string Shorten(string line) => line.Length <= 40 ? line : line[..40] + "...";
}
