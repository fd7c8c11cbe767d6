using System.Text.RegularExpressions;
using Enaction.Onnx.Tokenization;

namespace Enaction.Onnx.Tests.Tokenization;

public class RegexDialectTests
{
    [Theory]
    [InlineData(@"[^\r\n\p{L}\p{N}]?+\p{L}+", @"(?>[^\r\n\p{L}\p{N}]?)\p{L}+")]
    [InlineData(@" ?[^\s\p{L}\p{N}]++[\r\n]*", @" ?(?>[^\s\p{L}\p{N}]+)[\r\n]*")]
    [InlineData(@"\p{N}{1,3}+x", @"(?>\p{N}{1,3})x")]
    [InlineData(@"(?:ab)*+c", @"(?>(?:ab)*)c")]
    [InlineData(@"a+?b\+\{1}", @"a+?b\+\{1}")]
    [InlineData(@"(?i:'s|'t)|\s+(?!\S)|\s+", @"(?i:'s|'t)|\s+(?!\S)|\s+")]
    public void Possessive_quantifiers_become_atomic_groups(string pattern, string expected)
    {
        Assert.Equal(expected, RegexDialect.ToDotNet(pattern));
    }

    [Fact]
    public void Cl100k_pattern_compiles_and_splits_like_tiktoken()
    {
        var regex = new Regex(RegexDialect.ToDotNet(TiktokenFile.Cl100kPattern));
        var pieces = regex.Matches("Hello, world!! I'm 12345 ok\n\n  x").Select(m => m.Value);
        Assert.Equal(["Hello", ",", " world", "!!", " I", "'m", " ", "123", "45", " ok", "\n\n", " ", " x"], pieces);
    }
}
