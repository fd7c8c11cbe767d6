namespace Enaction.SemanticKernel.Tests.Support;

/// <summary>Locates repository files from the test output folder.</summary>
internal static class TestPaths
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Monitor.sln"))) return dir.FullName;
        throw new InvalidOperationException($"Monitor.sln not found above {AppContext.BaseDirectory}");
    });

    public static string RepoRoot => Root.Value;

    public static string InRepo(params string[] parts) => Path.Combine([RepoRoot, .. parts]);

    public static string NewTempDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "enaction-sk-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}
