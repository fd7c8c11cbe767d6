using Microsoft.Extensions.Logging;

namespace Enaction.Cli.Output;

/// <summary>
/// Writes warnings and errors that libraries log (the CUDA-to-CPU fallback of <c>--provider auto</c>) to standard
/// error as <c>enaction: warning: ...</c> lines; the command line has no logging pipeline of its own.
/// </summary>
internal sealed class WarningLogger(TextWriter error) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel)) return;
        lock (error) error.WriteLine("enaction: warning: " + formatter(state, exception));
    }
}
