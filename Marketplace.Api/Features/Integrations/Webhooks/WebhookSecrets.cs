using System.Security.Cryptography;
using System.Text;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Integrations.Webhooks;

/// <summary>
/// Endpoint signing secrets (Standard Webhooks: <c>whsec_</c> + base64 of 32 random bytes) and
/// their encryption at rest: AES-256-GCM under a key derived (HKDF) from the signing key, stored as
/// nonce | tag | ciphertext. They are never logged.
/// </summary>
public sealed class WebhookSecrets(SigningKey signingKey)
{
    public const string Prefix = "whsec_";
    private readonly byte[] key = HKDF.DeriveKey(HashAlgorithmName.SHA256, signingKey.Key.Key, 32, info: "marketplace/webhook-secrets"u8.ToArray());

    public static string NewSecret() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public byte[] Encrypt(string secret)
    {
        var plain = Encoding.UTF8.GetBytes(secret);
        var sealedBytes = new byte[12 + 16 + plain.Length];
        var nonce = sealedBytes.AsSpan(0, 12);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, 16);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(28), sealedBytes.AsSpan(12, 16));
        return sealedBytes;
    }

    public string Decrypt(byte[] sealedBytes)
    {
        var plain = new byte[sealedBytes.Length - 28];
        using var aes = new AesGcm(key, 16);
        aes.Decrypt(sealedBytes.AsSpan(0, 12), sealedBytes.AsSpan(28), sealedBytes.AsSpan(12, 16), plain);
        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>The <c>webhook-signature</c> value of one secret: <c>v1,</c> + base64 HMAC-SHA256 of <c>{id}.{timestamp}.{body}</c>.</summary>
    public static string Sign(string secret, string id, long timestamp, string body)
    {
        var keyBytes = Convert.FromBase64String(secret[Prefix.Length..]);
        var mac = HMACSHA256.HashData(keyBytes, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}"));
        return "v1," + Convert.ToBase64String(mac);
    }
}
