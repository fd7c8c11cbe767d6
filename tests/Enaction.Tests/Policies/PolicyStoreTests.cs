using Enaction.Policies;

namespace Enaction.Tests.Policies;

public sealed class PolicyStoreTests : IDisposable
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(15);

    private readonly PolicyTestFiles.TempFolder _temp = PolicyTestFiles.NewTempFolder();

    public void Dispose() => _temp.Dispose();

    private static string Yaml(string version, string action = "log") =>
        $"name: live\nversion: \"{version}\"\nrules:\n  - name: r\n    actions:\n      - {action}\nmode: fail-open\n";

    private static PolicyStoreOptions Fast(bool watcher = true) => new()
    {
        Debounce = TimeSpan.FromMilliseconds(50),
        PollInterval = TimeSpan.FromMilliseconds(200),
        UseFileSystemWatcher = watcher,
    };

    /// <summary>Replaces the file in one step, as editors do, so the store never reads it half-written.</summary>
    private static void Replace(string file, string text)
    {
        var staging = file + ".tmp";
        File.WriteAllText(staging, text);
        File.Move(staging, file, overwrite: true);
    }

    /// <summary>Completes with the first event of either kind raised after the call.</summary>
    private static Task<EventArgs> NextEvent(PolicyStore store)
    {
        var next = new TaskCompletionSource<EventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        store.PolicyReloaded += (_, e) => next.TrySetResult(e);
        store.PolicyRejected += (_, e) => next.TrySetResult(e);
        return next.Task;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_valid_change_is_swapped_in_and_reported(bool watcher)
    {
        var file = _temp.Write("live.yaml", Yaml("1"));
        using var store = new PolicyStore(file, Fast(watcher));
        Assert.Equal("1", store.Current.Version);
        var next = NextEvent(store);

        Replace(file, Yaml("2", "strip"));

        var reloaded = Assert.IsType<PolicyReloadedEventArgs>(await next.WaitAsync(EventTimeout));
        Assert.Equal(("1", "2"), (reloaded.Previous.Version, reloaded.Current.Version));
        Assert.Same(reloaded.Current, store.Current);
        Assert.Same(store.Current, store.Engine.Policy);
        Assert.IsType<StripAction>(Assert.Single(store.Current.Rules).Actions[0]);
    }

    [Fact]
    public async Task An_invalid_change_keeps_the_last_good_policy_and_reports_where_it_is_wrong()
    {
        var file = _temp.Write("live.yaml", Yaml("1"));
        using var store = new PolicyStore(file, Fast());
        var good = store.Current;
        var next = NextEvent(store);

        Replace(file, Yaml("2", "blok"));

        var rejected = Assert.IsType<PolicyRejectedEventArgs>(await next.WaitAsync(EventTimeout));
        Assert.Equal((file, 6L, 9L), (rejected.File, rejected.Line, rejected.Column));
        Assert.Contains("unknown action \"blok\"", rejected.Problem);
        Assert.Same(good, rejected.InForce);
        Assert.Same(good, store.Current);
    }

    [Fact]
    public async Task A_fixed_file_after_a_rejected_one_is_swapped_in()
    {
        var file = _temp.Write("live.yaml", Yaml("1"));
        using var store = new PolicyStore(file, Fast());
        var rejected = NextEvent(store);
        Replace(file, "name: live\nversion: [");
        Assert.IsType<PolicyRejectedEventArgs>(await rejected.WaitAsync(EventTimeout));

        var reloaded = NextEvent(store);
        Replace(file, Yaml("3"));

        Assert.IsType<PolicyReloadedEventArgs>(await reloaded.WaitAsync(EventTimeout));
        Assert.Equal("3", store.Current.Version);
    }

    [Fact]
    public void Reload_with_unchanged_content_keeps_the_policy_and_raises_nothing()
    {
        var file = _temp.Write("live.yaml", Yaml("1"));
        using var store = new PolicyStore(file, new PolicyStoreOptions { PollInterval = TimeSpan.Zero });
        var raised = 0;
        store.PolicyReloaded += (_, _) => raised++;
        store.PolicyRejected += (_, _) => raised++;
        var before = store.Current;

        Assert.False(store.Reload());
        Assert.Same(before, store.Current);
        Assert.Equal(0, raised);
    }

    [Fact]
    public void Reload_reports_the_same_bad_content_once()
    {
        var file = _temp.Write("live.yaml", Yaml("1"));
        using var store = new PolicyStore(file, new PolicyStoreOptions { PollInterval = TimeSpan.Zero, UseFileSystemWatcher = true, Debounce = TimeSpan.FromHours(1) });
        var rejections = new List<PolicyRejectedEventArgs>();
        store.PolicyRejected += (_, e) => { lock (rejections) rejections.Add(e); };

        File.WriteAllText(file, Yaml("2", "blok"));
        Assert.False(store.Reload());
        Assert.False(store.Reload());

        Assert.Single(rejections);
        Assert.Equal("1", store.Current.Version);
    }

    [Fact]
    public void A_file_that_is_invalid_at_start_is_refused()
    {
        var file = _temp.Write("live.yaml", Yaml("1", "blok"));
        var error = Assert.Throws<PolicyValidationException>(() => new PolicyStore(file, Fast()));
        Assert.Equal((6L, 9L), (error.Line, error.Column));
    }

    [Fact]
    public void A_reload_must_resolve_the_hosts_references()
    {
        var file = _temp.Write("live.yaml", Yaml("1"));
        var options = new PolicyStoreOptions { PollInterval = TimeSpan.Zero, References = new PolicyReferences(["checker"], []) };
        using var store = new PolicyStore(file, options);
        PolicyRejectedEventArgs? rejected = null;
        store.PolicyRejected += (_, e) => rejected = e;

        File.WriteAllText(file, Yaml("2", "verify: {verifier: ghost}"));

        Assert.False(store.Reload());
        Assert.NotNull(rejected);
        Assert.Contains("unknown verifier \"ghost\"", rejected.Problem);
        Assert.Equal("1", store.Current.Version);
    }

    [Fact]
    public void Options_that_could_never_see_a_change_are_refused()
    {
        var file = _temp.Write("live.yaml", Yaml("1"));
        var e = Assert.Throws<ArgumentException>(() => new PolicyStore(file, new PolicyStoreOptions { PollInterval = TimeSpan.Zero, UseFileSystemWatcher = false }));
        Assert.Contains("PollInterval", e.Message);
    }
}
