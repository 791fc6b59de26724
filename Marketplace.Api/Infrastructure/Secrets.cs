using System.Security.Cryptography;
using System.Text;

namespace Marketplace.Api.Infrastructure;

/// <summary>Opaque tokens (refresh, e-mail verification, password reset): random, stored only as hashes.</summary>
public static class Secrets
{
    /// <summary>A 256-bit random token, base64url, for the client to hold.</summary>
    public static string NewToken() => Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>The SHA-256 of a token as lowercase hex: what the database keeps and looks up.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Constant-time comparison of two hashes, so timing does not reveal how much matched.</summary>
    public static bool HashesEqual(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
