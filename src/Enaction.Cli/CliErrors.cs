using System.ComponentModel;
using System.Text.Json;
using Enaction.Detection;
using Enaction.Onnx.Models;
using Enaction.Policies;
using Enaction.Reporting.Inputs;
using Enaction.Transcripts;

namespace Enaction.Cli;

/// <summary>
/// Turns every exception a command can meet into the one line a person needs, with no stack trace. Input errors
/// carry their own message (file, line, what was expected); system errors (a full disk, a folder where a file was
/// expected, a program that cannot start) say what failed; anything else is reported as an internal error, still on
/// one line, with the full trace only when <c>ENACTION_DEBUG=1</c>.
/// </summary>
public static class CliErrors
{
    /// <summary>Set this environment variable to 1 to print the stack trace of an internal error as well.</summary>
    public const string DebugVariable = "ENACTION_DEBUG";

    /// <summary>The one-line message for <paramref name="exception"/>.</summary>
    public static string Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return OneLine(Known(exception) ?? $"internal error ({exception.GetType().Name}): {exception.Message}; " +
            $"please report it (set {DebugVariable}=1 for the stack trace)");
    }

    /// <summary>Whether <paramref name="exception"/> is one of the input or system errors the CLI expects.</summary>
    public static bool IsExpected(Exception exception) => Known(exception) is not null;

    private static string? Known(Exception exception) => exception switch
    {
        CliInputException e => e.Message,
        ModelLoadException e => e.Message,
        TranscriptFormatException e => e.Message,
        CalibrationException e => e.Message,
        PolicyValidationException e => e.Message,
        TurnInputException e => e.Message,
        Enaction.Provenance.AttestationStoreException e => e.Message,
        FileNotFoundException e => e.FileName is null ? e.Message : $"{e.FileName}: no such file",
        DirectoryNotFoundException e => e.Message,
        PathTooLongException e => e.Message,
        UnauthorizedAccessException e => "permission denied: " + e.Message,
        // A full disk (ENOSPC), a folder where a file was expected, a broken pipe on standard output: .NET's
        // messages name the path where it has one.
        IOException e => e.Message,
        JsonException e => "not valid JSON: " + e.Message,
        System.Text.DecoderFallbackException e => "not valid UTF-8 text: " + e.Message,
        Win32Exception e => $"cannot run a program: {e.Message}",
        Microsoft.ML.OnnxRuntime.OnnxRuntimeException e => "ONNX Runtime could not run the model: " + e.Message,
        OutOfMemoryException => "out of memory: the input is too large for this machine",
        _ => null,
    };

    private static string OneLine(string message)
    {
        var line = message.ReplaceLineEndings(" ").Trim();
        return line.Length <= 2000 ? line : line[..1997] + "...";
    }
}

/// <summary>A command-line input problem detected by a command itself (for example an option out of range).</summary>
public sealed class CliInputException(string message) : Exception(message);
