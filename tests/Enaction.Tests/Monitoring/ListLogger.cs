using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Enaction.Tests.Monitoring;

/// <summary>Keeps structured events for assertions.</summary>
internal sealed class ListLogger : ILogger
{
    public ConcurrentQueue<(EventId Id, Dictionary<string, object?> Properties)> Events { get; } = new();

    public IEnumerable<Dictionary<string, object?>> Named(string name) => Events.Where(e => e.Id.Name == name).Select(e => e.Properties);

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Events.Enqueue((eventId, state is IReadOnlyList<KeyValuePair<string, object?>> list ? list.ToDictionary(p => p.Key, p => p.Value) : []));
}
