namespace Enaction.Onnx.Tests;

/// <summary>Locates files of the repository from the test output folder.</summary>
internal static class TestPaths
{
    /// <summary>The folder holding Monitor.sln.</summary>
    public static string RepoRoot => RepoPaths.RepoRoot;

    /// <summary>A path under the repository root.</summary>
    public static string InRepo(params string[] parts) => RepoPaths.InRepo(parts);

    /// <summary>A file under tests/fixtures.</summary>
    public static string Fixture(params string[] parts) => Path.Combine([RepoRoot, "tests", "fixtures", .. parts]);

    /// <summary>A model folder under models/.</summary>
    public static string Model(string name) => Path.Combine(RepoRoot, "models", name);

    /// <summary>A fresh empty folder under the system temp folder, for tests that write model directories.</summary>
    public static string NewTempDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "enaction-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}
