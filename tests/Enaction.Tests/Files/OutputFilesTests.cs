using System.Text;
using Enaction.Files;

namespace Enaction.Tests.Files;

public sealed class OutputFilesTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("enaction-outputs-");

    public void Dispose() => _temp.Delete(recursive: true);

    private static Func<Stream, CancellationToken, Task> Text(string text) => (stream, ct) => stream.WriteAsync(Encoding.UTF8.GetBytes(text), ct).AsTask();

    [Fact]
    public async Task Nothing_is_replaced_until_every_file_is_written()
    {
        var a = Path.Combine(_temp.FullName, "a.json");
        var b = Path.Combine(_temp.FullName, "b.csv");
        await File.WriteAllTextAsync(a, "old a");

        await using (var outputs = new OutputFiles())
        {
            await outputs.AddAsync(a, Text("new a"));
            await Assert.ThrowsAsync<InvalidOperationException>(() => outputs.AddAsync(b, (_, _) => throw new InvalidOperationException("the second write failed")));
        }

        Assert.Equal("old a", await File.ReadAllTextAsync(a));
        Assert.Equal(["a.json"], _temp.GetFiles().Select(f => f.Name));

        await using (var outputs = new OutputFiles())
        {
            await outputs.AddAsync(a, Text("new a"));
            await outputs.AddAsync(b, Text("new b"));
            outputs.Commit();
        }
        Assert.Equal(("new a", "new b"), (await File.ReadAllTextAsync(a), await File.ReadAllTextAsync(b)));
        Assert.Equal(["a.json", "b.csv"], _temp.GetFiles().Select(f => f.Name).Order());
    }

    [Fact]
    public async Task A_full_device_is_an_io_error_naming_it_and_is_never_renamed_over()
    {
        if (!File.Exists("/dev/full")) return;
        var e = await Assert.ThrowsAsync<IOException>(() => OutputFiles.WriteAsync("/dev/full", Text("report")));
        Assert.Contains("/dev/full", e.Message);
        Assert.True(File.Exists("/dev/full"));
        Assert.Equal(0, new FileInfo("/dev/full").Length);
    }

    [Fact]
    public void Paths_that_cannot_be_written_are_refused_up_front()
    {
        Assert.Contains("is a folder", Assert.Throws<IOException>(() => OutputFiles.EnsureWritable(_temp.FullName)).Message);
        Assert.Contains("does not exist", Assert.Throws<DirectoryNotFoundException>(() => OutputFiles.EnsureWritable(Path.Combine(_temp.FullName, "no", "x.json"))).Message);
        if (!OperatingSystem.IsWindows())
            Assert.Contains("no such device", Assert.Throws<IOException>(() => OutputFiles.EnsureWritable("/dev/enaction-none")).Message);
        OutputFiles.EnsureWritable(Path.Combine(_temp.FullName, "fine.json"));
        Assert.Empty(_temp.GetFileSystemInfos());
    }
}
