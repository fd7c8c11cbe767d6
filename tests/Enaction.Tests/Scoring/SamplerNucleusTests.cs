using Enaction.Scoring;

namespace Enaction.Tests.Scoring;

public class SamplerNucleusTests
{
    [Theory]
    [InlineData(null, null, 0.9, 0.9)]    // the call says nothing: the model's own
    [InlineData(0.0, 0.5, 0.9, 0.0)]      // greedy
    [InlineData(1.5, 0.5, 0.9, null)]     // above temperature 1: any token
    [InlineData(1.0, 1.0, 0.9, null)]     // top-p 1: any token
    [InlineData(0.7, null, 0.9, 0.9)]     // a cooler call: the shipped nucleus still bounds it
    [InlineData(1.0, 0.95, null, 0.95)]   // the call's top-p
    [InlineData(double.NaN, double.NaN, 0.9, 0.9)]  // values no sampler accepts count as not set
    [InlineData(-1.0, -0.5, 0.9, 0.9)]
    [InlineData(1.0, 0.0, 0.9, 0.9)]
    public void The_nucleus_of_a_sampler(double? temperature, double? topP, double? otherwise, double? expected) =>
        Assert.Equal(expected, SamplerNucleus.Of(temperature, topP, otherwise));

    [Fact]
    public void A_float32_top_p_reads_as_the_value_it_was_written_as() =>
        Assert.Equal(0.9, SamplerNucleus.Of(1f, 0.9f)); // 0.9f is 0.89999998 as a double

    [Theory]
    [InlineData(0.9, 0.0, 0.9)]
    [InlineData(0.9, 0.95, 0.95)]
    [InlineData(0.9, null, null)]
    [InlineData(null, 0.5, null)]
    public void The_widest_of_two_nuclei(double? a, double? b, double? expected) =>
        Assert.Equal(expected, SamplerNucleus.Widest(a, b));
}
