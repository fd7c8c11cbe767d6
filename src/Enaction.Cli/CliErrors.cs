using System.Text.Json;
using Enaction.Onnx.Models;
using Enaction.Transcripts;

namespace Enaction.Cli;

/// <summary>Turns the errors that bad input causes into the one line a person needs, with no stack trace.</summary>
public static class CliErrors
{
    /// <summary>The one-line message for an input error, or null for a bug (which should surface as one).</summary>
    public static string? Describe(Exception exception) => exception switch
    {
        ModelLoadException e => e.Message,
        TranscriptFormatException e => e.Message,
        Enaction.Detection.CalibrationException e => e.Message,
        CliInputException e => e.Message,
        Enaction.Provenance.AttestationStoreException e => e.Message,
        FileNotFoundException e => e.FileName is null ? e.Message : $"{e.FileName}: no such file",
        DirectoryNotFoundException e => e.Message,
        UnauthorizedAccessException e => e.Message,
        JsonException e => "not valid JSON: " + e.Message,
        _ => null,
    };
}

/// <summary>A command-line input problem detected by a command itself (for example an option out of range).</summary>
public sealed class CliInputException(string message) : Exception(message);
