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
}
