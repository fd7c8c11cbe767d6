namespace Enaction.Tests.Policies;

/// <summary>The shipped policy files, and temp folders for policies written by tests.</summary>
internal static class PolicyTestFiles
{
    /// <summary>A file under the top-level policies/ folder.</summary>
    public static string Shipped(string fileName) => RepoPaths.InRepo("policies", fileName);

    /// <summary>A fresh empty folder, deleted on dispose.</summary>
    public static TempFolder NewTempFolder() => new();

    internal sealed class TempFolder : IDisposable
    {
        public TempFolder()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "enaction-policy-tests", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public string Write(string fileName, string text)
        {
            var file = System.IO.Path.Combine(Path, fileName);
            File.WriteAllText(file, text);
            return file;
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
