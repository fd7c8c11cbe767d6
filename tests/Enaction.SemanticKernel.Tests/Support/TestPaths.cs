namespace Enaction.SemanticKernel.Tests.Support;

/// <summary>Locates repository files from the test output folder.</summary>
internal static class TestPaths
{
    public static string InRepo(params string[] parts) => RepoPaths.InRepo(parts);

    public static string NewTempDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "enaction-sk-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}
