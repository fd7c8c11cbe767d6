/// <summary>What every example needs to find the bundled files and to print text compactly (linked into each example).</summary>
internal static class ExampleSupport
{
    /// <summary>The repository root (the folder holding Monitor.sln) above the running example, or null.</summary>
    public static string? FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Monitor.sln"))) return dir.FullName;
        return null;
    }

    /// <summary>The repository root, or the current folder when the example runs outside the checkout.</summary>
    public static string RepoRoot() => FindRepoRoot() ?? Directory.GetCurrentDirectory();

    /// <summary><paramref name="text"/> on one line, cut at <paramref name="max"/> characters.</summary>
    public static string Short(string text, int max = 110)
    {
        text = text.ReplaceLineEndings(" ");
        return text.Length <= max ? text : text[..max] + "…";
    }
}
