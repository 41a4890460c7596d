using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CollabEditor.WebApp.Account;
using Microsoft.AspNetCore.DataProtection;

namespace CollabEditor.WebApp.Security;

/// <summary>
/// The data-protection key ring (in the database) encrypted at rest with a certificate from configuration:
/// <c>DataProtection:Certificate:Path</c> to a PKCS#12 file (+ <c>Password</c>), or to a PEM certificate
/// with <c>KeyPath</c> to its PEM private key. Without it anyone holding a database backup can forge any
/// user's cookie, so a Production start without one logs a warning.
/// </summary>
public static class KeyRingProtection
{
    public const string Section = "DataProtection:Certificate";

    public static IDataProtectionBuilder ProtectKeysWithConfiguredCertificate(this IDataProtectionBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (Load(configuration.GetSection(Section)) is { } certificate)
        {
            // Also registers the certificate for decryption: no certificate store is needed on Linux.
            builder.ProtectKeysWithCertificate(certificate);
        }

        return builder;
    }

    /// <summary>Whether a protecting certificate is configured.</summary>
    public static bool IsConfigured(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration[$"{Section}:Path"]);

    /// <summary>Logs the security warning when a Production instance stores its key ring unencrypted.</summary>
    public static void WarnIfUnprotected(IHostEnvironment environment, IConfiguration configuration, SecurityLog log)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(log);
        if (environment.IsProduction() && !IsConfigured(configuration))
        {
            log.KeyRingUnprotected(Section);
        }
    }

    private static X509Certificate2? Load(IConfigurationSection section)
    {
        var path = section["Path"];
        if (string.IsNullOrWhiteSpace(path))
        {
            return null;
        }

        X509Certificate2 certificate;
        try
        {
            certificate = section["KeyPath"] is { Length: > 0 } keyPath
                ? X509Certificate2.CreateFromPemFile(path, keyPath)
                : X509CertificateLoader.LoadPkcs12FromFile(path, section["Password"], X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"{Section}:Path: cannot load the certificate '{path}': {ex.Message}", ex);
        }

        return certificate.HasPrivateKey
            ? certificate
            : throw new InvalidOperationException($"{Section}:Path: the certificate '{path}' has no private key (give a PKCS#12 file with its key, or KeyPath to the PEM key): the key ring could not be read back.");
    }
}
