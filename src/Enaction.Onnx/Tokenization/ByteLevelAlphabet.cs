namespace Enaction.Onnx.Tokenization;

/// <summary>
/// GPT-2's reversible byte-to-character table: byte-level BPE vocabularies spell every byte as one printable
/// character (space is 'Ġ', newline 'Ċ'), so a vocabulary entry maps back to the exact bytes it stands for.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly Dictionary<char, byte> CharToByte = Build();
    private static readonly char[] ByteToChar = Invert();

    private static char[] Invert()
    {
        var table = new char[256];
        foreach (var (c, b) in CharToByte) table[b] = c;
        return table;
    }

    /// <summary>The character that spells byte <paramref name="b"/>.</summary>
    public static char Char(byte b) => ByteToChar[b];

    /// <summary>The vocabulary spelling of <paramref name="text"/>'s UTF-8 bytes.</summary>
    public static string ToTokenString(ReadOnlySpan<char> text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text.ToArray());
        var chars = new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++) chars[i] = ByteToChar[bytes[i]];
        return new string(chars);
    }

    private static Dictionary<char, byte> Build()
    {
        var map = new Dictionary<char, byte>(256);
        var next = 0;
        for (var b = 0; b < 256; b++)
        {
            var printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            var c = printable ? (char)b : (char)(256 + next++);
            map[c] = (byte)b;
        }
        return map;
    }

    /// <summary>The bytes a byte-level vocabulary entry stands for, or null if it uses characters outside the table.</summary>
    public static byte[]? ToBytes(string token)
    {
        var bytes = new byte[token.Length];
        for (var i = 0; i < token.Length; i++)
        {
            if (!CharToByte.TryGetValue(token[i], out bytes[i])) return null;
        }
        return bytes;
    }
}
