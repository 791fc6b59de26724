using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Marketplace.Api.Features.Webhooks.Stripe;

/// <summary>
/// Stripe's webhook signature (docs: "Verify webhook signatures manually"): the header
/// <c>Stripe-Signature: t=&lt;unix time&gt;,v1=&lt;hex&gt;[,v1=...]</c>, where each v1 is
/// HMAC-SHA256(endpoint secret, "&lt;t&gt;.&lt;raw body&gt;"). Several v1 values appear while a
/// secret is being rolled; any one matching any of our secrets is enough. The timestamp must be
/// within the tolerance of now, so a captured request cannot be replayed later.
/// </summary>
public static class Signature
{
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    public static bool IsValid(string? header, ReadOnlySpan<byte> payload, IReadOnlyList<string> secrets, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(header) || header.Length > 4096 || secrets.Count == 0)
        {
            return false;
        }
        long? timestamp = null;
        var signatures = new List<byte[]>();
        foreach (var part in header.Split(','))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }
            var key = part[..eq].Trim();
            var value = part[(eq + 1)..].Trim();
            if (key == "t" && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var t))
            {
                timestamp = t;
            }
            else if (key == "v1" && value.Length == 64 && value.All(Uri.IsHexDigit))
            {
                signatures.Add(Convert.FromHexString(value));
            }
        }
        if (timestamp is not { } seconds || signatures.Count == 0)
        {
            return false;
        }
        if (Math.Abs(now.ToUnixTimeSeconds() - seconds) > (long)Tolerance.TotalSeconds)
        {
            return false;
        }

        var prefix = Encoding.ASCII.GetBytes(seconds.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + payload.Length];
        prefix.CopyTo(signed, 0);
        payload.CopyTo(signed.AsSpan(prefix.Length));

        var matched = false;
        foreach (var secret in secrets)
        {
            var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed);
            foreach (var signature in signatures)
            {
                // constant-time, and no early exit: timing tells nothing about which part matched
                matched |= CryptographicOperations.FixedTimeEquals(expected, signature);
            }
        }
        return matched;
    }
}
