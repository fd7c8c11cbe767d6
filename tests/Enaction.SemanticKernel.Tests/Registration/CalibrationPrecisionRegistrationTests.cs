using Enaction.Extensions.AI;
using Enaction.Monitoring;
using Enaction.Onnx;
using Enaction.Onnx.Models;
using Enaction.SemanticKernel.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Enaction.SemanticKernel.Tests.Registration;

/// <summary>A calibration applied at another scoring precision than it was fitted at is allowed, never silent.</summary>
public class CalibrationPrecisionRegistrationTests
{
    private static (ServiceProvider Provider, CapturingLoggerProvider Log) Build(ScoringPrecision precision)
    {
        var log = new CapturingLoggerProvider();
        var model = TestPaths.InRepo("models", "tiny-chat");
        var policy = Path.Combine(Path.GetTempPath(), $"enaction-precision-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(policy, "name: log\nversion: \"1\"\nmode: fail-open\nrules:\n  - name: log-all\n    actions: [log]\n");
        var services = new ServiceCollection()
            .AddLogging(b => b.AddProvider(log))
            // Registered first, so AddOnnxScorer's scorer runs this model (the first registration wins).
            .AddSingleton(_ => CausalLanguageModel.Load(model, new ModelOptions { ExecutionProvider = ExecutionProvider.Cpu, Precision = precision }))
            .AddOnnxScorer(model, ExecutionProvider.Cpu)
            .AddEnactionMonitor(o =>
            {
                o.PolicyFile = policy;
                o.CalibrationFile = Path.Combine(model, "calibration.json");
            });
        return (services.BuildServiceProvider(), log);
    }

    [Fact]
    public void A_float32_calibration_on_an_int8_scorer_raises_the_precision_warning_at_start_up()
    {
        var (provider, log) = Build(ScoringPrecision.Int8);
        using (provider)
        {
            provider.GetRequiredService<IConversationMonitor>();

            var warning = Assert.Single(log.Named("CalibrationPrecisionMismatch"));
            Assert.Equal(LogLevel.Warning, warning.Level);
            Assert.Equal(1002, warning.EventId.Id);
            Assert.Equal("float32", warning.Properties["CalibrationPrecision"]);
            Assert.Equal("int8", warning.Properties["ScoringPrecision"]);
        }
    }

    [Fact]
    public void A_calibration_at_the_scorers_precision_raises_nothing()
    {
        var (provider, log) = Build(ScoringPrecision.Float32);
        using (provider)
        {
            provider.GetRequiredService<IConversationMonitor>();

            Assert.Empty(log.Named("CalibrationPrecisionMismatch"));
        }
    }
}
