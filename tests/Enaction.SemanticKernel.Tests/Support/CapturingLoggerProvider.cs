using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Enaction.SemanticKernel.Tests.Support;

/// <summary>Keeps every structured log event (id, name, properties) for assertions.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider, ILogger
{
    public ConcurrentQueue<LoggedEvent> Events { get; } = new();

    public IEnumerable<LoggedEvent> Named(string name) => Events.Where(e => e.EventId.Name == name);

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var properties = state is IReadOnlyList<KeyValuePair<string, object?>> list
            ? list.ToDictionary(p => p.Key, p => p.Value)
            : [];
        Events.Enqueue(new LoggedEvent(logLevel, eventId, formatter(state, exception), properties));
    }

    public void Dispose() { }
}

public sealed record LoggedEvent(LogLevel Level, EventId EventId, string Message, Dictionary<string, object?> Properties);
