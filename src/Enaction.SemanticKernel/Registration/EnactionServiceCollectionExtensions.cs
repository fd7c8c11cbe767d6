using Enaction.Actions;
using Enaction.Detection;
using Enaction.Monitoring;
using Enaction.Onnx.Models;
using Enaction.Onnx.Scoring;
using Enaction.Policies;
using Enaction.Provenance;
using Enaction.Scoring;
using Enaction.Sqlite.Provenance;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace Enaction.SemanticKernel;

/// <summary>One-line registration of the Enaction monitor and its parts.</summary>
public static class EnactionServiceCollectionExtensions
{
    /// <summary>
    /// Registers the monitor from a configuration section (usually <c>configuration.GetSection("Enaction")</c>):
    /// options validated at start-up, the ONNX scoring model, the hot-reloading policy, provenance ledger, audit
    /// recorder, <see cref="ConversationMonitor"/>, <see cref="ActionExecutor"/> and the two kernel filters.
    /// </summary>
    public static IServiceCollection AddEnactionMonitor(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<EnactionOptions>().Bind(configuration).ValidateOnStart();
        return services.AddEnactionCore();
    }

    /// <summary>Registers the monitor configured in code.</summary>
    public static IServiceCollection AddEnactionMonitor(this IServiceCollection services, Action<EnactionOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<EnactionOptions>().Configure(configure).ValidateOnStart();
        return services.AddEnactionCore();
    }

    /// <summary>Registers a verifier under the name policies use in <c>verify: { verifier: name }</c>.</summary>
    public static IServiceCollection AddEnactionVerifier(this IServiceCollection services, string name, Func<IServiceProvider, IVerifier> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        services.AddSingleton(new VerifierRegistration(name, factory, null));
        return services;
    }

    /// <summary>Registers another chat model as a verifier (<see cref="ChatClientVerifier"/>).</summary>
    public static IServiceCollection AddEnactionVerifier(this IServiceCollection services, string name, IChatClient verifier) =>
        services.AddEnactionVerifier(name, _ => new ChatClientVerifier(verifier));

    /// <summary>Registers an HTTP endpoint as a verifier (<see cref="HttpVerifier"/>): POST JSON, verdict in the reply.</summary>
    public static IServiceCollection AddEnactionVerifier(this IServiceCollection services, string name, Uri endpoint, HttpClient? http = null) =>
        services.AddEnactionVerifier(name, _ => new HttpVerifier(http ?? new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, endpoint));

    /// <summary>Registers a kernel function as a verifier (<see cref="KernelFunctionVerifier"/>), run on the registered <see cref="Kernel"/>.</summary>
    public static IServiceCollection AddEnactionVerifier(this IServiceCollection services, string name, KernelFunction function) =>
        services.AddEnactionVerifier(name, sp => new KernelFunctionVerifier(sp.GetRequiredService<Kernel>(), function));

    /// <summary>Registers an escalation callback under the name policies use in <c>escalate: { callback: name }</c>.</summary>
    public static IServiceCollection AddEnactionEscalation(this IServiceCollection services, string name, Func<EscalationContext, CancellationToken, ValueTask> callback)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(callback);
        services.AddSingleton(new VerifierRegistration(name, null, callback));
        return services;
    }

    /// <summary>
    /// Registers <see cref="IChatClient"/> as <paramref name="generator"/> wrapped in kernel function invocation with
    /// the monitor inside it (every round trip of a tool loop is monitored), and <see cref="IChatCompletionService"/>
    /// over that client for Semantic Kernel.
    /// </summary>
    public static IServiceCollection AddMonitoredChatClient(this IServiceCollection services, Func<IServiceProvider, IChatClient> generator,
        Action<MonitoringChatClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        services.AddSingleton(sp => generator(sp).AsBuilder()
            .UseKernelFunctionInvocation(sp.GetService<ILoggerFactory>())
            .UseEnactionMonitor(configure: configure)
            .Build(sp));
        services.AddSingleton(sp => sp.GetRequiredService<IChatClient>().AsChatCompletionService(sp));
        return services;
    }

    private static IServiceCollection AddEnactionCore(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EnactionOptions>, EnactionOptionsValidator>());
        services.AddLogging();
        services.TryAddSingleton(sp =>
        {
            var registry = new VerifierRegistry();
            foreach (var r in sp.GetServices<VerifierRegistration>())
            {
                if (r.Verifier is not null) registry.AddVerifier(r.Name, r.Verifier(sp));
                if (r.Escalation is not null) registry.AddEscalation(r.Name, r.Escalation);
            }
            return registry;
        });
        services.TryAddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<EnactionOptions>>().Value;
            return CausalLanguageModel.Load(o.ModelDirectory!, new ModelOptions
            {
                ExecutionProvider = Enum.Parse<ExecutionProvider>(o.Provider.Trim(), ignoreCase: true),
                Logger = sp.GetService<ILoggerFactory>()?.CreateLogger("Enaction.Onnx"),
            });
        });
        services.TryAddSingleton<IConversationScorer>(sp => new OnnxConversationScorer(sp.GetRequiredService<CausalLanguageModel>()));
        services.TryAddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<EnactionOptions>>().Value;
            return new PolicyStore(o.PolicyFile!, new PolicyStoreOptions { References = sp.GetRequiredService<VerifierRegistry>().ToReferences() });
        });
        services.TryAddSingleton<IAttestationStore>(sp =>
        {
            var p = sp.GetRequiredService<IOptions<EnactionOptions>>().Value.Provenance;
            return p.Store.Trim().Equals("sqlite", StringComparison.OrdinalIgnoreCase)
                ? SqliteAttestationStore.OpenAsync(p.Path!).GetAwaiter().GetResult()
                : new InMemoryAttestationStore();
        });
        services.TryAddSingleton<ITurnRecorder>(sp =>
        {
            var dir = sp.GetRequiredService<IOptions<EnactionOptions>>().Value.AuditDirectory;
            return string.IsNullOrWhiteSpace(dir) ? NullTurnRecorder.Instance : new JsonlTurnRecorder(dir);
        });
        services.TryAddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<EnactionOptions>>().Value;
            var scorer = sp.GetRequiredService<IConversationScorer>();
            Calibration? calibration = null;
            if (!string.IsNullOrWhiteSpace(o.CalibrationFile))
            {
                calibration = Calibration.Load(o.CalibrationFile);
                var model = sp.GetRequiredService<CausalLanguageModel>();
                calibration.EnsureFor(Calibration.HashFile(model.Directory.OnnxPath), o.CalibrationFile);
                // Allowed, never silent: a float32 calibration on an int8 model (or the reverse) raises a warning event.
                Onnx.Calibration.CalibrationPrecision.Check(calibration, model, o.CalibrationFile,
                    sp.GetRequiredService<ILoggerFactory>().CreateLogger("Enaction.Onnx"));
            }
            ProvenanceLedger? ledger = null;
            if (!o.Provenance.Store.Trim().Equals("none", StringComparison.OrdinalIgnoreCase))
                ledger = new ProvenanceLedger(sp.GetRequiredService<IAttestationStore>(), new ProvenanceOptions { Key = o.Provenance.Key });
            var recorder = sp.GetRequiredService<ITurnRecorder>();
            return new ConversationMonitor(scorer, sp.GetRequiredService<PolicyStore>(), new ConversationMonitorOptions
            {
                Calibration = calibration,
                Ledger = ledger,
                Recorder = recorder is NullTurnRecorder ? null : recorder,
                SessionCapacity = o.SessionCapacity,
            }, sp.GetRequiredService<ILoggerFactory>().CreateLogger("Enaction.Monitor"));
        });
        services.TryAddSingleton(sp => new ActionExecutor(sp.GetRequiredService<ConversationMonitor>(), sp.GetRequiredService<VerifierRegistry>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IFunctionInvocationFilter, EnactionFunctionInvocationFilter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAutoFunctionInvocationFilter, EnactionAutoFunctionInvocationFilter>(
            sp => new EnactionAutoFunctionInvocationFilter(sp.GetRequiredService<ConversationMonitor>(), sp.GetRequiredService<ActionExecutor>())));
        return services;
    }

    private sealed record VerifierRegistration(string Name, Func<IServiceProvider, IVerifier>? Verifier,
        Func<EscalationContext, CancellationToken, ValueTask>? Escalation);

    private sealed class NullTurnRecorder : ITurnRecorder
    {
        public static readonly NullTurnRecorder Instance = new();

        public ValueTask RecordAsync(TurnRecord record, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }
}
