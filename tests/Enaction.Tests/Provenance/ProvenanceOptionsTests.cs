using Enaction.Provenance;

namespace Enaction.Tests.Provenance;

public class ProvenanceOptionsTests
{
    [Fact]
    public void A_missing_key_names_the_setting()
    {
        var e = Assert.Throws<ArgumentException>(() => new ProvenanceLedger(new InMemoryAttestationStore(), new ProvenanceOptions()));

        Assert.Contains("Enaction:Provenance:Key", e.Message);
        Assert.Contains("not set", e.Message);
    }

    [Fact]
    public void A_short_key_is_rejected_with_the_length_expected()
    {
        var options = new ProvenanceOptions { Key = Convert.ToBase64String(new byte[16]) };

        var e = Assert.Throws<ArgumentException>(() => options.GetValidatedKey());

        Assert.Contains("Enaction:Provenance:Key is 16 bytes; expected at least 32 bytes", e.Message);
    }

    [Fact]
    public void A_key_that_is_not_base64_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new ProvenanceOptions { Key = "not base64 at all!" }.GetValidatedKey());

        Assert.Contains("Enaction:Provenance:Key is not valid base64", e.Message);
    }

    [Fact]
    public void A_key_set_both_ways_is_rejected()
    {
        var options = new ProvenanceOptions { Key = Convert.ToBase64String(new byte[32]), KeyBytes = new byte[32] };

        var e = Assert.Throws<ArgumentException>(() => options.GetValidatedKey());

        Assert.Contains("set exactly one", e.Message);
    }

    [Fact]
    public void Base64_and_byte_keys_of_32_bytes_are_accepted()
    {
        var bytes = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

        Assert.Equal(bytes, new ProvenanceOptions { Key = Convert.ToBase64String(bytes) }.GetValidatedKey());
        Assert.Equal(bytes, new ProvenanceOptions { KeyBytes = bytes }.GetValidatedKey());
    }

    public static TheoryData<string> WeakKeys => new()
    {
        Convert.ToBase64String(new byte[32]),
        Convert.ToBase64String(Enumerable.Repeat((byte)0x41, 48).ToArray()),
        "ZGVtby1vbmx5LWtleS1yZXBsYWNlLW1lLWluLXByb2R1Y3Rpb24hIQ==",
    };

    [Theory]
    [MemberData(nameof(WeakKeys))]
    public void A_weak_key_is_refused_outside_development_in_one_line(string key)
    {
        foreach (var environment in new string?[] { null, "Production", "Staging" })
        {
            var e = Assert.Throws<ArgumentException>(() => new ProvenanceLedger(new InMemoryAttestationStore(),
                new ProvenanceOptions { Key = key, Environment = environment }));

            Assert.StartsWith("Enaction:Provenance:Key is a weak key (", e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
    }

    [Theory]
    [MemberData(nameof(WeakKeys))]
    public void A_weak_key_is_accepted_in_development_with_a_warning(string key)
    {
        var logger = new Monitoring.ListLogger();

        var ledger = new ProvenanceLedger(new InMemoryAttestationStore(),
            new ProvenanceOptions { Key = key, Environment = "Development", Tenant = "t1" }, logger: logger);

        Assert.Equal("t1", ledger.Tenant);
        var warning = Assert.Single(logger.Events);
        Assert.Equal(ProvenanceEvents.WeakKeyAcceptedId, warning.Id.Id);
        Assert.Equal("t1", warning.Properties["Tenant"]);
    }

    [Fact]
    public void The_published_example_key_is_the_one_in_the_hosted_agent_example()
    {
        var settings = File.ReadAllText(Enaction.Tests.RepoPaths.InRepo("examples", "HostedAgent", "appsettings.json"));

        Assert.All(ProvenanceOptions.PublishedKeys, k => Assert.Contains(k, settings));
    }

    [Theory]
    [InlineData("tenant\u0000x")]
    [InlineData("tab\there")]
    public void A_tenant_with_control_characters_names_the_setting(string tenant)
    {
        var e = Assert.Throws<ArgumentException>(() => new ProvenanceOptions { Tenant = System.Text.RegularExpressions.Regex.Unescape(tenant) }.GetValidatedTenant());

        Assert.StartsWith("Enaction:Provenance:Tenant contains a control", e.Message);
    }

    [Fact]
    public void An_unset_tenant_is_the_default_tenant() =>
        Assert.Equal(ProvenanceOptions.DefaultTenant, new ProvenanceOptions { Tenant = "  " }.GetValidatedTenant());
}
