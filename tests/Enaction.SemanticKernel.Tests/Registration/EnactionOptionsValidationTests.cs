using Enaction.Onnx;
using Enaction.Extensions.AI;
using Enaction.SemanticKernel.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Enaction.SemanticKernel.Tests.Registration;

public class EnactionOptionsValidationTests
{
    private static OptionsValidationException StartWith(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddEnactionMonitor(configuration.GetSection("Enaction"));
        using var provider = services.BuildServiceProvider();
        // What a host runs at start-up for ValidateOnStart.
        return Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
    }

    private static Dictionary<string, string?> Valid() => new()
    {
        ["Enaction:ModelDirectory"] = TestPaths.InRepo("models", "tiny-chat"),
        ["Enaction:PolicyFile"] = TestPaths.InRepo("policies", "default.yaml"),
    };

    [Fact]
    public void A_bad_provider_is_named_with_the_accepted_values()
    {
        var settings = Valid();
        settings["Enaction:Provider"] = "gpu";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var e = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddOnnxScorer(configuration.GetSection("Enaction")));
        Assert.StartsWith("Enaction:Provider is \"gpu\"; expected one of auto, cpu, cuda.", e.Message);
    }

    [Fact]
    public void A_missing_model_directory_and_a_missing_policy_file_are_each_named()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Enaction:PolicyFile"] = "nowhere/policy.yaml" }).Build();
        var missing = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddOnnxScorer(configuration.GetSection("Enaction")));
        Assert.StartsWith("Enaction:ModelDirectory is not set;", missing.Message);

        var e = StartWith(new Dictionary<string, string?> { ["Enaction:PolicyFile"] = "nowhere/policy.yaml" });
        Assert.Contains(e.Failures, f => f.StartsWith("Enaction:PolicyFile \"nowhere/policy.yaml\" does not exist;", StringComparison.Ordinal));
    }

    [Fact]
    public void A_store_other_than_none_or_memory_needs_its_own_registration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Enaction:PolicyFile"] = TestPaths.InRepo("policies", "default.yaml"),
            ["Enaction:Provenance:Store"] = "sqlite",
            ["Enaction:Provenance:Path"] = "ledger.db",
            ["Enaction:Provenance:Key"] = Convert.ToBase64String(TestMonitor.LedgerKey),
        }).Build();
        using var provider = new ServiceCollection().AddOnnxScorer(TestPaths.InRepo("models", "tiny-chat"))
            .AddEnactionMonitor(configuration.GetSection("Enaction")).BuildServiceProvider();

        var e = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<Enaction.Monitoring.ConversationMonitor>());
        Assert.Contains("AddSqliteAttestationStore", e.Message);
    }

    [Fact]
    public void A_ledger_store_must_be_known_and_sqlite_needs_a_path_and_a_key()
    {
        var settings = Valid();
        settings["Enaction:Provenance:Store"] = "redis";
        Assert.Contains("Enaction:Provenance:Store is \"redis\"; expected one of none, memory, sqlite, postgresql, registered.", StartWith(settings).Failures);

        settings["Enaction:Provenance:Store"] = "sqlite";
        var e = StartWith(settings);
        Assert.Contains(e.Failures, f => f.StartsWith("Enaction:Provenance:Key is not set;", StringComparison.Ordinal));

        settings["Enaction:Provenance:Key"] = Convert.ToBase64String(new byte[8]);
        Assert.Contains(StartWith(settings).Failures, f => f.StartsWith("Enaction:Provenance:Key is 8 bytes;", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_calibration_file_and_a_zero_capacity_are_named()
    {
        var settings = Valid();
        settings["Enaction:CalibrationFile"] = "missing.json";
        settings["Enaction:SessionCapacity"] = "0";
        var e = StartWith(settings);
        Assert.Contains(e.Failures, f => f.StartsWith("Enaction:CalibrationFile \"missing.json\" does not exist;", StringComparison.Ordinal));
        Assert.Contains("Enaction:SessionCapacity is 0; expected 1 or more conversations.", e.Failures);
    }

    /// <summary>A host configured with the published example key, in <paramref name="environment"/>.</summary>
    private static ServiceProvider HostWithExampleKey(string environment)
    {
        var settings = Valid();
        settings["Enaction:Provenance:Store"] = "memory";
        settings["Enaction:Provenance:Key"] = Enaction.Provenance.ProvenanceOptions.PublishedKeys[0];
        settings["Enaction:Provenance:Tenant"] = "bank-a";
        settings["environment"] = environment;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddEnactionMonitor(configuration.GetSection("Enaction")).BuildServiceProvider();
    }

    [Fact]
    public void The_published_example_key_stops_a_host_outside_development()
    {
        using var provider = HostWithExampleKey("Production");

        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(e.Failures, f => f.StartsWith("Enaction:Provenance:Key is a weak key (it is the example key published", StringComparison.Ordinal));
    }

    [Fact]
    public void The_published_example_key_passes_validation_in_development()
    {
        using var provider = HostWithExampleKey("Development");

        provider.GetRequiredService<IStartupValidator>().Validate();
    }
}
