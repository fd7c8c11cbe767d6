using System.Text.Json;
using Enaction.Monitoring;
using Enaction.SemanticKernel.Tests.Support;
using Serilog;
using Serilog.Extensions.Logging;

namespace Enaction.SemanticKernel.Tests.Events;

public class SeqPayloadTests
{
    [Fact]
    public async Task A_finding_event_reaches_the_Seq_ingestion_endpoint_as_CLEF_with_its_id_name_and_properties()
    {
        using var seq = new LoopbackHttpServer(_ => (201, "{}"));
        var serilog = new LoggerConfiguration()
            .MinimumLevel.Debug()
            .WriteTo.Seq(seq.BaseAddress.ToString().TrimEnd('/'), apiKey: "test-key", period: TimeSpan.FromMilliseconds(50))
            .CreateLogger();
        using (var factory = new SerilogLoggerFactory(serilog, dispose: true))
        {
            var logger = factory.CreateLogger("Enaction.Monitor");
            MonitorEvents.FindingDetected(logger, "off-policy", "high", 3, 2, "conv-42", 4.25, 3.0, "helper", "tiny-chat", "same-model");
        }

        var request = await seq.WaitForAsync(r => r.Path == "/api/events/raw", TimeSpan.FromSeconds(10));
        Assert.Equal("POST", request.Method);
        Assert.Equal("test-key", request.Headers["X-Seq-ApiKey"]);
        Assert.StartsWith("application/vnd.serilog.clef", request.ContentType);
        var line = request.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Single(l => l.Contains("FindingDetected"));
        using var clef = JsonDocument.Parse(line);
        var e = clef.RootElement;
        Assert.Equal("Finding {FindingKind} ({Severity}) on message {Message} of turn {Turn} in conversation {ConversationId}: score {Score} against threshold {Threshold}; agent {Agent}, model {Model}, scoring source {ScoringSource}",
            e.GetProperty("@mt").GetString());
        Assert.Equal("same-model", e.GetProperty("ScoringSource").GetString());
        Assert.Equal("Warning", e.GetProperty("@l").GetString());
        Assert.Equal(MonitorEventIds.FindingDetected, e.GetProperty("EventId").GetProperty("Id").GetInt32());
        Assert.Equal("FindingDetected", e.GetProperty("EventId").GetProperty("Name").GetString());
        Assert.Equal("off-policy", e.GetProperty("FindingKind").GetString());
        Assert.Equal("conv-42", e.GetProperty("ConversationId").GetString());
        Assert.Equal(2, e.GetProperty("Turn").GetInt32());
        Assert.Equal(4.25, e.GetProperty("Score").GetDouble());
        Assert.Equal(3.0, e.GetProperty("Threshold").GetDouble());
        Assert.Equal("helper", e.GetProperty("Agent").GetString());
        Assert.Equal("tiny-chat", e.GetProperty("Model").GetString());
        Assert.Equal("Enaction.Monitor", e.GetProperty("SourceContext").GetString());
    }
}
