using Enaction.Onnx.Models;
using Microsoft.ML.Tokenizers;

namespace Enaction.Onnx.Tokenization;

/// <summary>Loads a SentencePiece <c>tokenizer.model</c> (Llama 2, Mistral, Gemma and similar).</summary>
internal static class SentencePieceFile
{
    public static TextTokenizer Load(string path, TokenizerConfig config)
    {
        var special = HuggingFaceBpe.SpecialTokenIds(config.AddedTokens);
        // BOS/EOS are added by TranscriptEncoder from add_bos_token, never implicitly by Encode.
        SentencePieceTokenizer tokenizer, plain;
        var nmt = false;
        try
        {
            using var stream = File.OpenRead(path);
            // Two instances: the one that encodes stretches knows no special tokens (TextTokenizer cuts them out, and
            // leaves their text in message content as ordinary characters); the other decodes them.
            try
            {
                tokenizer = LlamaTokenizer.Create(stream, addBeginOfSentence: false, addEndOfSentence: false, special.Count > 0 ? special : null);
                stream.Position = 0;
                plain = LlamaTokenizer.Create(stream, addBeginOfSentence: false, addEndOfSentence: false, null);
            }
            catch (ArgumentException)
            {
                // LlamaTokenizer accepts only BPE models with the identity normaliser; the base class takes the rest.
                stream.Position = 0;
                nmt = true;
                tokenizer = SentencePieceTokenizer.Create(stream, addBeginningOfSentence: false, addEndOfSentence: false, special.Count > 0 ? special : null);
                stream.Position = 0;
                plain = SentencePieceTokenizer.Create(stream, addBeginningOfSentence: false, addEndOfSentence: false, null);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException(path, $"cannot read the file ({e.Message})", e);
        }
        catch (Exception e) when (e is not ModelLoadException)
        {
            throw new ModelLoadException(path, $"not a SentencePiece model protobuf ({e.Message})", e);
        }

        var vocabulary = tokenizer.Vocabulary;
        var reverse = new Dictionary<int, string>(vocabulary.Count);
        var max = -1;
        foreach (var (piece, id) in vocabulary)
        {
            reverse.TryAdd(id, piece);
            max = Math.Max(max, id);
        }
        foreach (var id in special.Values) max = Math.Max(max, id);
        // SentencePiece's own control symbols (<s>, </s>) are atomic for display, but only the config's tokens split text.
        var allSpecial = new Dictionary<string, int>(special, StringComparer.Ordinal);
        allSpecial.TryAdd(tokenizer.BeginningOfSentenceToken, tokenizer.BeginningOfSentenceId);
        allSpecial.TryAdd(tokenizer.EndOfSentenceToken, tokenizer.EndOfSentenceId);

        config = config.WithDefaults(tokenizer.BeginningOfSentenceToken, tokenizer.EndOfSentenceToken);
        Func<int, byte[]?> tokenBytes = id => reverse.TryGetValue(id, out var piece) ? PieceBytes(piece) : null;
        return new TextTokenizer(
            tokenizer, "sentencepiece", path, config.AddedTokens, allSpecial, max + 1,
            token => allSpecial.TryGetValue(token, out var s) ? s : vocabulary.TryGetValue(token, out var v) ? v : null,
            tokenBytes,
            config,
            new SentencePieceOffsets(plain, nmt, tokenBytes).EncodeStretch,
            ids => tokenizer.Decode(ids),
            addBosByDefault: true);
    }

    /// <summary>A piece's bytes: <c>&lt;0xNN&gt;</c> byte-fallback pieces are one byte, '▁' is a space.</summary>
    private static byte[] PieceBytes(string piece)
    {
        if (piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal) && piece[5] == '>'
            && byte.TryParse(piece.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out var b))
            return [b];
        return System.Text.Encoding.UTF8.GetBytes(piece.Replace('\u2581', ' '));
    }
}
