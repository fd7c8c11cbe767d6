using Microsoft.Extensions.Configuration;

namespace Enaction.Extensions.AI;

/// <summary>
/// The host's environment name as Microsoft.Extensions.Hosting sets it: the host configuration's <c>environment</c>
/// key, else <c>DOTNET_ENVIRONMENT</c>, else <c>ASPNETCORE_ENVIRONMENT</c>. Null (production) when none is set, so
/// weak ledger keys are accepted only where Development was chosen explicitly.
/// </summary>
internal static class HostEnvironmentName
{
    public static string? Resolve(IConfiguration? configuration)
    {
        var name = configuration?["environment"];
        if (string.IsNullOrWhiteSpace(name)) name = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT");
        if (string.IsNullOrWhiteSpace(name)) name = Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT");
        return string.IsNullOrWhiteSpace(name) ? null : name.Trim();
    }
}
