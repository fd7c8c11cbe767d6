namespace Enaction.Provenance;

/// <summary>
/// The secret that attestations are signed with. Bind from the configuration section <c>Enaction:Provenance</c>
/// (<c>Enaction:Provenance:Key</c> holds the key as base64) or set <see cref="KeyBytes"/> directly.
/// </summary>
public sealed class ProvenanceOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Enaction:Provenance";

    /// <summary>The full name of the key setting, as error messages name it.</summary>
    public const string KeySetting = "Enaction:Provenance:Key";

    /// <summary>The shortest accepted key, in bytes: the HMAC-SHA256 block security level.</summary>
    public const int MinimumKeyBytes = 32;

    /// <summary>The key as base64 (at least <see cref="MinimumKeyBytes"/> bytes once decoded).</summary>
    public string? Key { get; set; }

    /// <summary>The key as raw bytes; an alternative to <see cref="Key"/> for hosts that hold it in a key vault.</summary>
    public byte[]? KeyBytes { get; set; }

    /// <summary>
    /// Validates the options and returns a copy of the key. Throws <see cref="ArgumentException"/> naming
    /// <see cref="KeySetting"/> when the key is missing, set twice, not base64 or shorter than <see cref="MinimumKeyBytes"/>.
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
        return key;
    }
}
