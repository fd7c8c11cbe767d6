namespace Enaction.Tests;

/// <summary>The repository the tests run from (the folder holding Monitor.sln), found from the test output folder.
/// One file, linked into every test project.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Monitor.sln"))) return dir.FullName;
        throw new InvalidOperationException($"Monitor.sln not found above {AppContext.BaseDirectory}");
    });

    /// <summary>The folder holding Monitor.sln.</summary>
    public static string RepoRoot => Root.Value;

    /// <summary>A path under the repository root.</summary>
    public static string InRepo(params string[] parts) => Path.Combine([RepoRoot, .. parts]);
}
