using Enaction.Policies;

namespace Enaction.Tests.Policies;

/// <summary>
/// Policy files written to break a host: overflowing numbers, cut-off saves, empty match lists, deep nesting,
/// invalid bytes, huge files. Each must be a rejection with a location, never an exception of another kind, and a
/// running <see cref="PolicyStore"/> must keep its last good policy.
/// </summary>
public sealed class HostilePolicyFileTests : IDisposable
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(15);

    private readonly PolicyTestFiles.TempFolder _temp = PolicyTestFiles.NewTempFolder();

    public void Dispose() => _temp.Dispose();

    private PolicyValidationException Reject(string yaml, string name = "policy.yaml")
    {
        var file = _temp.Write(name, yaml);
        var error = Assert.Throws<PolicyValidationException>(() => PolicyLoader.Load(file));
        Assert.Equal(file, error.File);
        return error;
    }

    [Theory]
    [InlineData("999999999999h")]
    [InlineData("99999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999ms")]
    [InlineData("50000h")]
    [InlineData("2h")]
    public void A_scoring_timeout_beyond_an_hour_is_rejected_at_its_line(string text)
    {
        var error = Reject($"name: p\nversion: 1\nmode: fail-closed\nbudgets:\n  scoring_timeout: {text}\nrules: []\n");
        Assert.Equal((5L, 20L), (error.Line, error.Column));
        Assert.Contains("scoring_timeout", error.Problem);
        Assert.Contains("1h", error.Problem);
    }

    [Fact]
    public void An_hour_is_the_longest_scoring_timeout_accepted()
    {
        var policy = PolicyLoader.Parse("name: p\nversion: 1\nmode: fail-open\nbudgets:\n  scoring_timeout: 60m\nrules: []\n");
        Assert.Equal(TimeSpan.FromHours(1), policy.Budgets.ScoringTimeout);
    }

    [Theory]
    [InlineData("max_resamples_per_call: 99999999999", 4, 27)]
    [InlineData("max_verifications_per_call: 101", 4, 31)]
    public void Budgets_past_the_maximum_are_rejected(string budget, long line, long column)
    {
        var error = Reject($"name: p\nversion: 1\nbudgets:\n  {budget}\nrules: []\nmode: fail-open\n");
        Assert.Equal((line, column), (error.Line, error.Column));
        Assert.Contains("must be a whole number from 0 to 100", error.Problem);
    }

    [Fact]
    public void A_resample_count_past_the_maximum_is_rejected()
    {
        var error = Reject("name: p\nversion: 1\nmode: fail-open\nrules:\n  - name: r\n    actions:\n      - resample: {n: 4000000000}\n");
        Assert.Equal((7L, 23L), (error.Line, error.Column));
        Assert.Contains("n must be a whole number from 1 to 100", error.Problem);
    }

    [Fact]
    public void A_save_cut_off_before_the_mode_line_is_rejected_not_read_as_fail_open()
    {
        // The shipped strict policy with its mode moved to the end, as an editor may order keys; a save cut off
        // there is valid YAML and a valid policy in every other way.
        var lines = File.ReadAllLines(PolicyTestFiles.Shipped("strict.yaml")).ToList();
        var modeLine = Assert.Single(lines, l => l.StartsWith("mode:", StringComparison.Ordinal));
        lines.Remove(modeLine);
        var whole = _temp.Write("whole.yaml", string.Join('\n', lines) + "\n" + modeLine + "\n");
        Assert.Equal(FailureMode.FailClosed, PolicyLoader.Load(whole).Mode);

        var error = Reject(string.Join('\n', lines) + "\n", "cut.yaml");
        // At the policy's first key, after the file's comment lines.
        Assert.Equal((lines.FindIndex(l => l.StartsWith("name:", StringComparison.Ordinal)) + 1L, 1L), (error.Line, error.Column));
        Assert.Contains("the policy has no \"mode\"; expected mode: fail-open or mode: fail-closed", error.Problem);
    }

    [Theory]
    [InlineData("kinds: []", "kinds is an empty list")]
    [InlineData("agents: []", "agents is an empty list")]
    [InlineData("functions: []", "functions is an empty list")]
    public void An_empty_match_list_is_an_error_not_a_match_for_everything(string criterion, string problem)
    {
        var error = Reject($"name: p\nversion: 1\nmode: fail-closed\nrules:\n  - name: r\n    match:\n      {criterion}\n    actions: [block]\n");
        Assert.Equal(7L, error.Line);
        Assert.Contains(problem, error.Problem);
        Assert.Contains("would match everything", error.Problem);
    }

    [Fact]
    public void Nesting_too_deep_to_build_is_rejected_before_it_is_built()
    {
        var depth = 100_000;
        var error = Reject("name: p\nversion: 1\nmode: fail-open\nrules: " + new string('[', depth) + new string(']', depth) + "\n");
        Assert.Equal(4L, error.Line);
        Assert.Contains($"nested more than {PolicyLoader.MaxDepth} deep", error.Problem);
    }

    [Fact]
    public void Bytes_that_are_not_utf8_are_rejected_with_their_line()
    {
        var file = Path.Combine(_temp.Path, "latin1.yaml");
        File.WriteAllBytes(file, [.. "name: p\nversion: 1\nmode: fail-open\ndescription: caf"u8, 0xE9, .. "\nrules: []\n"u8]);
        var error = Assert.Throws<PolicyValidationException>(() => PolicyLoader.Load(file));
        Assert.Equal((4L, 17L), (error.Line, error.Column));
        Assert.Contains("byte 0xE9 is not valid UTF-8", error.Problem);
    }

    [Fact]
    public void A_file_over_a_mebibyte_is_refused_unread()
    {
        var error = Reject("name: p\nversion: 1\nmode: fail-open\nrules: []\n" + new string('#', PolicyLoader.MaxFileBytes) + "\n");
        Assert.Null(error.Line);
        Assert.Contains("a policy file must be at most 1,048,576 bytes", error.Problem);
    }

    [Fact]
    public async Task Hot_reload_of_an_overflowing_timeout_keeps_the_last_good_policy_and_reports_the_line()
    {
        const string good = "name: live\nversion: \"1\"\nmode: fail-closed\nbudgets:\n  scoring_timeout: 2s\nrules: []\n";
        var file = _temp.Write("live.yaml", good);
        // Polling only: the reload runs on the store's timer thread, where an escaping exception ends the process.
        using var store = new PolicyStore(file, new PolicyStoreOptions { PollInterval = TimeSpan.FromMilliseconds(100), UseFileSystemWatcher = false });
        var inForce = store.Current;
        var rejected = new TaskCompletionSource<PolicyRejectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        store.PolicyRejected += (_, e) => rejected.TrySetResult(e);

        var staging = file + ".tmp";
        File.WriteAllText(staging, good.Replace("2s", "999999999999h", StringComparison.Ordinal).Replace("\"1\"", "\"2\"", StringComparison.Ordinal));
        File.Move(staging, file, overwrite: true);

        var e = await rejected.Task.WaitAsync(EventTimeout);
        Assert.Equal((file, 5L, 20L), (e.File, e.Line, e.Column));
        Assert.Contains("longer than the 1h allowed", e.Problem);
        Assert.Same(inForce, store.Current);
        Assert.Equal(TimeSpan.FromSeconds(2), store.Current.Budgets.ScoringTimeout);
    }
}
