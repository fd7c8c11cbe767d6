using Enaction.Sqlite;
using Enaction.Onnx;
using Enaction.Extensions.AI;
using Enaction.Actions;
using Enaction.Monitoring;
using Enaction.SemanticKernel.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace Enaction.SemanticKernel.Tests.Registration;

public class AddEnactionMonitorTests
{
    [Fact]
    public void With_the_sqlite_ledger_the_conformal_reservoirs_are_kept_in_its_file()
    {
        var folder = TestPaths.NewTempDirectory();
        var policy = Path.Combine(folder, "policy.yaml");
        File.WriteAllText(policy, "name: p\nversion: \"1\"\nmode: fail-open\nconformal: {target_fpr: 0.05}\nrules: []\n");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Enaction:ModelDirectory"] = TestPaths.InRepo("models", "tiny-chat"),
            ["Enaction:Provider"] = "cpu",
            ["Enaction:PolicyFile"] = policy,
            ["Enaction:Provenance:Store"] = "sqlite",
            ["Enaction:Provenance:Path"] = Path.Combine(folder, "ledger.db"),
            ["Enaction:Provenance:Key"] = Convert.ToBase64String(TestMonitor.LedgerKey),
        }).Build();
        var services = new ServiceCollection().AddOnnxScorer(configuration.GetSection("Enaction"))
            .AddSqliteAttestationStore(Path.Combine(folder, "ledger.db"))
            .AddEnactionMonitor(configuration.GetSection("Enaction"));
        using var provider = services.BuildServiceProvider();

        var monitor = provider.GetRequiredService<ConversationMonitor>();

        Assert.Same(provider.GetRequiredService<Enaction.Provenance.IAttestationStore>(), monitor.Conformal.Store);
        Assert.IsType<Enaction.Sqlite.Provenance.SqliteAttestationStore>(monitor.Conformal.Store);
        Assert.Equal(0.05, monitor.Policy.Policy.Conformal!.TargetFpr);
    }

    [Fact]
    public async Task One_line_registration_from_configuration_gives_a_monitored_kernel()
    {
        var audit = TestPaths.NewTempDirectory();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Enaction:ModelDirectory"] = TestPaths.InRepo("models", "tiny-chat"),
            ["Enaction:Provider"] = "cpu",
            ["Enaction:PolicyFile"] = TestPaths.InRepo("policies", "default.yaml"),
            ["Enaction:Provenance:Store"] = "memory",
            ["Enaction:Provenance:Key"] = Convert.ToBase64String(TestMonitor.LedgerKey),
            ["Enaction:AuditDirectory"] = audit,
            ["Enaction:Agent"] = "helper",
        }).Build();

        var builder = Kernel.CreateBuilder();
        builder.Services.AddOnnxScorer(configuration.GetSection("Enaction"));
        builder.AddEnactionMonitor(configuration.GetSection("Enaction"));
        builder.Services.AddEnactionVerifier("default-verifier", _ => new ApproveAll());
        builder.AddMonitoredChatClient(sp => new Onnx.Generation.OnnxChatClient(sp.GetRequiredService<Onnx.Models.CausalLanguageModel>(),
            new Onnx.Generation.GenerationOptions { MaxTokens = 8, Seed = 1 }));
        var kernel = builder.Build();
        kernel.Services.GetRequiredService<IStartupValidator>().Validate();

        var history = new ChatHistory("You are a helpful assistant.");
        history.AddUserMessage("Tell me about the river town.");
        var reply = await kernel.GetRequiredService<IChatCompletionService>().GetChatMessageContentAsync(history, kernel: kernel);

        Assert.IsType<TurnVerdict>(reply.Metadata![ResponseMetadata.Verdict]);
        Assert.Equal("helper", ((TurnVerdict)reply.Metadata[ResponseMetadata.Verdict]!).Agent);
        Assert.Contains(kernel.Services.GetServices<IAutoFunctionInvocationFilter>(), f => f is EnactionAutoFunctionInvocationFilter);
        Assert.Contains(kernel.Services.GetServices<IFunctionInvocationFilter>(), f => f is EnactionFunctionInvocationFilter);
        var file = Assert.Single(Directory.GetFiles(audit, "turns-*.jsonl"));
        (kernel.Services.GetRequiredService<ITurnRecorder>() as IDisposable)?.Dispose();
        var records = new List<TurnRecord>();
        await foreach (var r in JsonlTurnRecorder.ReadAsync(file)) records.Add(r);
        Assert.Equal("helper", Assert.Single(records).Agent);
        (kernel.Services as IDisposable)?.Dispose();
    }

    private sealed class ApproveAll : IVerifier
    {
        public Task<VerificationResult> VerifyAsync(VerificationRequest request, CancellationToken cancellationToken = default) =>
            Task.FromResult(VerificationResult.Approve());
    }
}
