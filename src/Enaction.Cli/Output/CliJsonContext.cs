using System.Text.Json.Serialization;

namespace Enaction.Cli.Output;

/// <summary>
/// The source-generated contract of everything <c>enaction ... --json</c> prints. Nulls are written (a field that
/// does not exist reads null) except where a document's property says otherwise; findings are the audit record's
/// <see cref="Monitoring.RecordedFinding"/>.
/// </summary>
[JsonSerializable(typeof(FindingsJson.DetectDocument))]
[JsonSerializable(typeof(ScoreJson.ScoreDocument))]
[JsonSerializable(typeof(TokenizeJson.TokenizeDocument))]
[JsonSerializable(typeof(EvaluationJson.EvaluationDocument))]
[JsonSerializable(typeof(ReplayJson.ReplayDocument))]
[JsonSerializable(typeof(RealismJson.RealismDocument))]
[JsonSerializable(typeof(FleetCheckJson))]
// The runtime types a finding's detail values take.
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(double))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
