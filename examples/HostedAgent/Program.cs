using static ExampleSupport;
// The monitored agent behind Microsoft.Extensions.Hosting. Serilog is configured from appsettings.json (console,
// Seq) plus a rolling CLEF audit file that is always on, so no event is lost while Seq is unreachable.
//
//   dotnet run --project examples/HostedAgent
//
// Seq: set Serilog:WriteTo:1:Args:serverUrl (and apiKey) in appsettings.json or the environment
// (Serilog__WriteTo__1__Args__serverUrl). seq/README.md has the saved queries and the dashboard.
using Enaction.Sqlite;
using Enaction.Onnx;
using Enaction.Extensions.AI;
using Enaction.Actions;
using Enaction.Onnx.Generation;
using Enaction.Onnx.Models;
using Enaction.SemanticKernel;
using HostedAgent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;
using Serilog.Formatting.Compact;

// Relative paths in appsettings.json (models/, policies/, artifacts/) are relative to the repository root.
if (FindRepoRoot() is { } root) Directory.SetCurrentDirectory(root);

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddSerilog((services, logger) => logger
    .ReadFrom.Configuration(builder.Configuration)
    .WriteTo.File(new CompactJsonFormatter(),
        builder.Configuration["Audit:ClefPath"] ?? "artifacts/hosted-agent/logs/enaction-.clef",
        rollingInterval: RollingInterval.Day,
        retainedFileCountLimit: builder.Configuration.GetValue("Audit:RetainedDays", 14),
        shared: true));

// Three packages, three lines: the scorer (Enaction.Onnx), the durable ledger (Enaction.Sqlite), the monitor (Enaction.Extensions.AI).
var enaction = builder.Configuration.GetSection(EnactionOptions.SectionName);
builder.Services.AddOnnxScorer(enaction);
builder.Services.AddSqliteAttestationStore(enaction["Provenance:Path"]!);
builder.Services.AddEnactionMonitor(enaction);
// policies/default.yaml names a verifier; this demo approves everything and says so. Register a model or an HTTP
// endpoint here in a real host: AddEnactionVerifier("default-verifier", new Uri("https://verifier.example/check")).
builder.Services.AddEnactionVerifier("default-verifier", _ => new ApproveEverything());
builder.Services.AddEnactionEscalation("safety-oncall", (context, _) =>
{
    Log.Warning("Paging on-call for conversation {ConversationId}: {FindingCount} findings", context.Verdict.ConversationId, context.Verdict.Findings.Count);
    return ValueTask.CompletedTask;
});
builder.Services.AddMonitoredChatClient(sp => new OnnxChatClient(sp.GetRequiredService<CausalLanguageModel>(), new GenerationOptions { MaxTokens = 32 }));
builder.Services.AddHostedService<AgentWorker>();

using var host = builder.Build();
await host.RunAsync();
return 0;

/// <summary>The demo's stand-in for <c>default-verifier</c>: approves every response.</summary>
internal sealed class ApproveEverything : IVerifier
{
    public Task<VerificationResult> VerifyAsync(VerificationRequest request, CancellationToken cancellationToken = default) =>
        Task.FromResult(VerificationResult.Approve("demo verifier approves everything"));
}
