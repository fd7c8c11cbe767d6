namespace Enaction.Provenance;

/// <summary>
/// The secret that attestations are signed with and the tenant they belong to. Bind from the configuration section
/// <c>Enaction:Provenance</c> (<c>Enaction:Provenance:Key</c> holds the key as base64) or set <see cref="KeyBytes"/>
/// directly.
/// </summary>
public sealed class ProvenanceOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Enaction:Provenance";

    /// <summary>The full name of the key setting, as error messages name it.</summary>
    public const string KeySetting = "Enaction:Provenance:Key";

    /// <summary>The full name of the tenant setting, as error messages name it.</summary>
    public const string TenantSetting = "Enaction:Provenance:Tenant";

    /// <summary>The shortest accepted key, in bytes: the HMAC-SHA256 block security level.</summary>
    public const int MinimumKeyBytes = 32;

    /// <summary>The tenant used when none is configured.</summary>
    public const string DefaultTenant = "default";

    /// <summary>The longest accepted tenant id, in characters.</summary>
    public const int MaximumTenantLength = 128;

    /// <summary>The environment name in which weak keys are accepted (with a warning).</summary>
    public const string DevelopmentEnvironment = "Development";

    /// <summary>
    /// Keys published in this repository's examples and documentation. Anyone can sign with them, so they are
    /// refused outside <see cref="DevelopmentEnvironment"/> like a key of one repeated byte.
    /// </summary>
    public static IReadOnlyList<string> PublishedKeys { get; } =
    [
        "ZGVtby1vbmx5LWtleS1yZXBsYWNlLW1lLWluLXByb2R1Y3Rpb24hIQ==", // examples/HostedAgent/appsettings.json
    ];

    /// <summary>The key as base64 (at least <see cref="MinimumKeyBytes"/> bytes once decoded).</summary>
    public string? Key { get; set; }

    /// <summary>The key as raw bytes; an alternative to <see cref="Key"/> for hosts that hold it in a key vault.</summary>
    public byte[]? KeyBytes { get; set; }

    /// <summary>
    /// The tenant whose attestations this ledger writes and reads (<c>Enaction:Provenance:Tenant</c>; default
    /// <see cref="DefaultTenant"/>). Part of every key derivation and record MAC: a record cannot move between two
    /// tenants' stores even when they share one master key. 1 to <see cref="MaximumTenantLength"/> printable characters.
    /// </summary>
    public string? Tenant { get; set; }

    /// <summary>
    /// The host's environment name (for example from <c>DOTNET_ENVIRONMENT</c>). Only an explicit
    /// <see cref="DevelopmentEnvironment"/> accepts a weak key, and then with a warning; unset means production.
    /// </summary>
    public string? Environment { get; set; }

    /// <summary>True when <see cref="Environment"/> is <see cref="DevelopmentEnvironment"/> (case-insensitive).</summary>
    public bool IsDevelopment => string.Equals(Environment?.Trim(), DevelopmentEnvironment, StringComparison.OrdinalIgnoreCase);

    /// <summary>The validated tenant id: <see cref="Tenant"/> trimmed, or <see cref="DefaultTenant"/> when unset.</summary>
    /// <exception cref="ArgumentException">The tenant is too long or holds control characters (the message names <see cref="TenantSetting"/>).</exception>
    public string GetValidatedTenant()
    {
        if (string.IsNullOrWhiteSpace(Tenant)) return DefaultTenant;
        var tenant = Tenant.Trim();
        if (tenant.Length > MaximumTenantLength)
            throw new ArgumentException(
                $"{TenantSetting} is {tenant.Length} characters; expected 1 to {MaximumTenantLength} printable characters.", nameof(Tenant));
        foreach (var c in tenant)
        {
            if (char.IsControl(c) || char.IsSurrogate(c))
                throw new ArgumentException(
                    $"{TenantSetting} contains a control or unpaired surrogate character (U+{(int)c:X4}); expected printable characters.", nameof(Tenant));
        }
        return tenant;
    }

    /// <summary>
    /// Why <paramref name="key"/> is weak (one repeated byte value, or a key published in this repository), or null
    /// when it is neither.
    /// </summary>
    public static string? WeakKeyReason(ReadOnlySpan<byte> key)
    {
        if (key.IsEmpty) return null;
        if (key.IndexOfAnyExcept(key[0]) < 0) return $"every byte is 0x{key[0]:X2}";
        foreach (var published in PublishedKeys)
        {
            if (key.SequenceEqual(Convert.FromBase64String(published)))
                return "it is the example key published in this repository";
        }
        return null;
    }

    /// <summary>
    /// Validates the options and returns a copy of the key. Throws <see cref="ArgumentException"/> naming
    /// <see cref="KeySetting"/> when the key is missing, set twice, not base64, shorter than <see cref="MinimumKeyBytes"/>,
    /// or weak (<see cref="WeakKeyReason"/>) outside <see cref="DevelopmentEnvironment"/>.
    /// </summary>
    public byte[] GetValidatedKey()
    {
        if (KeyBytes is not null && !string.IsNullOrWhiteSpace(Key))
            throw new ArgumentException(
                $"{KeySetting} is set both as base64 (Key) and as bytes (KeyBytes); set exactly one.", nameof(Key));
        byte[] key;
        if (KeyBytes is not null)
        {
            key = (byte[])KeyBytes.Clone();
        }
        else if (string.IsNullOrWhiteSpace(Key))
        {
            throw new ArgumentException(
                $"{KeySetting} is not set; expected a base64 secret of at least {MinimumKeyBytes} bytes " +
                "(for example the output of `openssl rand -base64 32`).", nameof(Key));
        }
        else
        {
            try
            {
                key = Convert.FromBase64String(Key.Trim());
            }
            catch (FormatException e)
            {
                throw new ArgumentException(
                    $"{KeySetting} is not valid base64; expected a base64 secret of at least {MinimumKeyBytes} bytes.", nameof(Key), e);
            }
        }
        if (key.Length < MinimumKeyBytes)
            throw new ArgumentException(
                $"{KeySetting} is {key.Length} bytes; expected at least {MinimumKeyBytes} bytes " +
                $"(a base64 string of at least {(MinimumKeyBytes + 2) / 3 * 4} characters).", nameof(Key));
        if (!IsDevelopment && WeakKeyReason(key) is { } reason)
            throw new ArgumentException(
                $"{KeySetting} is a weak key ({reason}); outside the {DevelopmentEnvironment} environment use a random secret " +
                "(for example `openssl rand -base64 32`).", nameof(Key));
        return key;
    }
}
