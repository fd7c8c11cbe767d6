using Enaction.Scoring;
using Enaction.Provenance;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Enaction.Extensions.AI;

/// <summary>Checks <see cref="EnactionOptions"/> at start-up; each message names the setting and what it accepts.</summary>
public sealed class EnactionOptionsValidator : IValidateOptions<EnactionOptions>
{
    private readonly IConfiguration? _configuration;

    /// <summary>Creates a validator that takes the environment from <c>DOTNET_ENVIRONMENT</c> / <c>ASPNETCORE_ENVIRONMENT</c>.</summary>
    public EnactionOptionsValidator() { }

    /// <summary>Creates a validator that takes the environment (for weak-key checks) from the host configuration.</summary>
    public EnactionOptionsValidator(IConfiguration configuration) => _configuration = configuration;

    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, EnactionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        const string s = EnactionOptions.SectionName;

        if (string.IsNullOrWhiteSpace(options.PolicyFile))
            errors.Add($"{s}:PolicyFile is not set; expected a YAML policy file, for example policies/default.yaml.");
        else if (!File.Exists(options.PolicyFile))
            errors.Add($"{s}:PolicyFile \"{options.PolicyFile}\" does not exist; expected a YAML policy file, for example policies/default.yaml.");

        if (!string.IsNullOrWhiteSpace(options.CalibrationFile) && !File.Exists(options.CalibrationFile))
            errors.Add($"{s}:CalibrationFile \"{options.CalibrationFile}\" does not exist; expected the JSON written by `enaction calibrate`, or leave it unset.");

        if (!string.IsNullOrWhiteSpace(options.SurrogateCalibrationFile) && !File.Exists(options.SurrogateCalibrationFile))
            errors.Add($"{s}:SurrogateCalibrationFile \"{options.SurrogateCalibrationFile}\" does not exist; expected the JSON written by `enaction calibrate --surrogate-for ID`, or leave it unset.");

        try
        {
            (options.Scoring ?? new ScoringSourceOptions()).Validate();
        }
        catch (ArgumentException e)
        {
            errors.Add($"{s}:" + e.Message.Split(" (Parameter", 2)[0]);
        }

        if (options.SessionCapacity < 1)
            errors.Add($"{s}:SessionCapacity is {options.SessionCapacity}; expected 1 or more conversations.");

        var p = options.Provenance ?? new EnactionProvenanceOptions();
        var store = p.Store?.Trim().ToLowerInvariant();
        if (!EnactionProvenanceOptions.Stores.Contains(store))
        {
            errors.Add($"{s}:Provenance:Store is \"{p.Store}\"; expected one of {string.Join(", ", EnactionProvenanceOptions.Stores)}.");
        }
        else if (store != "none")
        {
            if (store == "sqlite" && string.IsNullOrWhiteSpace(p.Path))
                errors.Add($"{s}:Provenance:Path is not set; {s}:Provenance:Store sqlite needs a database file path, for example data/ledger.db.");
            try
            {
                var provenance = new ProvenanceOptions { Key = p.Key, Tenant = p.Tenant, Environment = HostEnvironmentName.Resolve(_configuration) };
                provenance.GetValidatedKey();
                provenance.GetValidatedTenant();
            }
            catch (ArgumentException e)
            {
                errors.Add(e.Message.Split(" (Parameter", 2)[0]);
            }
        }

        if (!string.IsNullOrWhiteSpace(options.AuditDirectory) && File.Exists(options.AuditDirectory))
            errors.Add($"{s}:AuditDirectory \"{options.AuditDirectory}\" is a file; expected a directory (created when missing).");

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
