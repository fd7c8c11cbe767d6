using Enaction.Actions;
using Enaction.Detection;
using Enaction.Monitoring;
using Enaction.Policies;
using Enaction.Provenance;
using Enaction.Scoring;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Enaction.Extensions.AI;

/// <summary>One-line registration of the Enaction monitor and its parts.</summary>
public static class EnactionServiceCollectionExtensions
{
    /// <summary>
    /// Registers the monitor from a configuration section (usually <c>configuration.GetSection("Enaction")</c>):
    /// options validated at start-up, the hot-reloading policy, the provenance ledger, the audit recorder,
    /// <see cref="ConversationMonitor"/> (also as <see cref="IConversationMonitor"/>) and <see cref="ActionExecutor"/>.
    /// The scorer and a durable store come from their own packages: <c>AddOnnxScorer(...)</c> (Enaction.Onnx),
    /// <c>AddSqliteAttestationStore(...)</c> (Enaction.Sqlite); Semantic Kernel hosts add <c>AddEnactionKernelFilters()</c>.
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

    /// <summary>
    /// Registers a custom detector: it runs after the built-in ones on every judged stage, and policy rules may match
    /// the kinds it declares in <see cref="IDetector.Kinds"/> (the policy loader rejects any other unknown kind).
    /// </summary>
    public static IServiceCollection AddEnactionDetector(this IServiceCollection services, IDetector detector)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(detector);
        services.AddSingleton(detector);
        return services;
    }

    /// <summary>
    /// Registers a host's own policy action: <typeparamref name="THandler"/> is created from the container (its
    /// constructor may take services) and policies may then write its <see cref="ActionHandler.Name"/> as an action
    /// (<c>- notify: {channel: ops}</c>); the policy loader rejects any action name no handler is registered for.
    /// </summary>
    public static IServiceCollection AddEnactionAction<THandler>(this IServiceCollection services) where THandler : ActionHandler
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton<ActionHandler>(sp => ActivatorUtilities.CreateInstance<THandler>(sp));
        return services;
    }

    /// <summary>Registers a host's own policy action (see <see cref="AddEnactionAction{THandler}(IServiceCollection)"/>).</summary>
    public static IServiceCollection AddEnactionAction(this IServiceCollection services, ActionHandler handler)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(handler);
        services.AddSingleton(handler);
        return services;
    }

    private static DetectorSet DetectorsOf(IServiceProvider services) => DetectorSet.Default().With(services.GetServices<IDetector>());

    /// <summary>Registers an escalation callback under the name policies use in <c>escalate: { callback: name }</c>.</summary>
    public static IServiceCollection AddEnactionEscalation(this IServiceCollection services, string name, Func<EscalationContext, CancellationToken, ValueTask> callback)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(callback);
        services.AddSingleton(new VerifierRegistration(name, null, callback));
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
            var registry = new ActionHandlerRegistry();
            foreach (var handler in sp.GetServices<ActionHandler>()) registry.Add(handler);
            return registry;
        });
        services.TryAddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<EnactionOptions>>().Value;
            // Rules may match the kinds of every registered detector and ask for every registered action, custom ones included.
            var kinds = DetectorsOf(sp).Kinds;
            var references = sp.GetRequiredService<VerifierRegistry>().ToReferences().WithFindingKinds(kinds).WithActions(sp.GetRequiredService<ActionHandlerRegistry>());
            return new PolicyStore(o.PolicyFile!, new PolicyStoreOptions { References = references });
        });
        services.TryAddSingleton<ITurnRecorder>(sp =>
        {
            var dir = sp.GetRequiredService<IOptions<EnactionOptions>>().Value.AuditDirectory;
            return string.IsNullOrWhiteSpace(dir) ? NullTurnRecorder.Instance : new JsonlTurnRecorder(dir);
        });
        services.TryAddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<EnactionOptions>>().Value;
            var scorer = sp.GetService<IConversationScorer>() ?? throw new InvalidOperationException(
                "Enaction: no IConversationScorer is registered. Register the model that generates the conversation, for example " +
                "services.AddOnnxScorer(configuration.GetSection(\"Enaction\")) from Enaction.Onnx.");
            Calibration? calibration = null;
            if (!string.IsNullOrWhiteSpace(o.CalibrationFile))
            {
                calibration = Calibration.Load(o.CalibrationFile);
                if (scorer.WeightsSha256 is { } weights) calibration.EnsureFor(weights, o.CalibrationFile);
                // Allowed, never silent: a float32 calibration on an int8 scorer (or the reverse) raises a warning event.
                if (!calibration.FittedAt(scorer.Precision))
                    MonitorEvents.CalibrationPrecisionMismatch(sp.GetRequiredService<ILoggerFactory>().CreateLogger("Enaction.Monitor"),
                        o.CalibrationFile, calibration.Precision, scorer.ModelId, scorer.Precision!);
            }
            Calibration? surrogate = null;
            if (!string.IsNullOrWhiteSpace(o.SurrogateCalibrationFile))
            {
                // The surrogate's own numbers: fitted on the scoring model's weights, for another generator's text.
                surrogate = Calibration.Load(o.SurrogateCalibrationFile);
                if (scorer.WeightsSha256 is { } weights) surrogate.EnsureFor(weights, o.SurrogateCalibrationFile);
                if (surrogate.SurrogateFor is null)
                    throw new InvalidOperationException($"{EnactionOptions.SectionName}:SurrogateCalibrationFile \"{o.SurrogateCalibrationFile}\" was fitted on the scoring model's own text (no surrogate_for); fit one with `enaction calibrate --surrogate-for ID`, or set it as CalibrationFile.");
            }
            ProvenanceLedger? ledger = null;
            IAttestationStore? attestations = null;
            var store = o.Provenance.Store.Trim().ToLowerInvariant();
            if (store != "none")
            {
                attestations = sp.GetService<IAttestationStore>()
                    ?? (store == "memory" ? new InMemoryAttestationStore() : throw new InvalidOperationException(
                        $"Enaction:Provenance:Store is \"{o.Provenance.Store}\" but no IAttestationStore is registered; call " +
                        "services.AddSqliteAttestationStore(path) (Enaction.Sqlite), services.AddPostgreSqlAttestationStore(...) (Enaction.PostgreSql) or register your own store."));
                ledger = new ProvenanceLedger(attestations, new ProvenanceOptions
                {
                    Key = o.Provenance.Key,
                    Tenant = o.Provenance.Tenant,
                    Environment = HostEnvironmentName.Resolve(sp.GetService<IConfiguration>()),
                }, logger: sp.GetService<ILoggerFactory>()?.CreateLogger("Enaction.Provenance"));
            }
            var recorder = sp.GetRequiredService<ITurnRecorder>();
            return new ConversationMonitor(scorer, sp.GetRequiredService<PolicyStore>(), new ConversationMonitorOptions
            {
                Calibration = calibration,
                SurrogateCalibration = surrogate,
                Sources = o.Scoring ?? new(),
                Detectors = DetectorsOf(sp),
                Ledger = ledger,
                Recorder = recorder is NullTurnRecorder ? null : recorder,
                SessionCapacity = o.SessionCapacity,
                AttestDerivedConversationIds = o.AttestDerivedConversationIds,
                // The policy's conformal: block turns conformal thresholds on; their reservoirs live beside the ledger
                // (the SQLite file, the fleet's server) when the store keeps them, else in memory.
                OwnScores = sp.GetService<Conformal.IOwnScoreStore>() ?? attestations as Conformal.IOwnScoreStore,
            }, sp.GetRequiredService<ILoggerFactory>().CreateLogger("Enaction.Monitor"));
        });
        services.TryAddSingleton<IConversationMonitor>(sp => sp.GetRequiredService<ConversationMonitor>());
        services.TryAddSingleton(sp => new ActionExecutor(sp.GetRequiredService<VerifierRegistry>(), sp.GetRequiredService<ActionHandlerRegistry>(),
            sp.GetRequiredService<ConversationMonitor>().Logger));
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
