using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Email;

namespace Marketplace.Api.Features.Auth.ResendVerification;

/// <summary>What a queued resend-verification request does (run by <see cref="AuthMailRequestWorker"/>, inside its transaction).</summary>
internal static class Mailing
{
    /// <summary>Replaces the verification token and queues its mail when the address has an unverified account and no link went out in the last minute.</summary>
    public static async Task<bool> SendAsync(Db db, MarketplaceOptions options, string normalizedEmail, DateTime requestedAt, CancellationToken ct)
    {
        var user = await Data.FindAsync(db, normalizedEmail, ct);
        if (user is null)
        {
            return false;
        }
        var token = Secrets.NewToken();
        if (await Data.ReplaceTokenAsync(db, user.Id, Secrets.Hash(token), requestedAt, AuthMails.VerificationLifetime, AuthMails.ResendInterval, ct) == 0)
        {
            return false;
        }
        await Pg.ExecuteAsync(db, Outbox.Insert([AuthMails.Verification(options, user.Email, user.FirstName, token)], requestedAt), ct);
        return true;
    }
}
