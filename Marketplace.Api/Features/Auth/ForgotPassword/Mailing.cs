using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Email;

namespace Marketplace.Api.Features.Auth.ForgotPassword;

/// <summary>What a queued forgot-password request does (run by <see cref="AuthMailRequestWorker"/>, inside its transaction).</summary>
internal static class Mailing
{
    /// <summary>Issues a reset token and queues its mail when the address has an active account and no link went out in the last minute.</summary>
    public static async Task<bool> SendAsync(Db db, MarketplaceOptions options, string normalizedEmail, DateTime requestedAt, CancellationToken ct)
    {
        var account = await Data.FindAsync(db, normalizedEmail, ct);
        if (account is null)
        {
            return false;
        }
        var token = Secrets.NewToken();
        if (await Data.ReplaceTokenAsync(db, account.Id, Secrets.Hash(token), requestedAt, AuthMails.ResetLifetime, AuthMails.ResendInterval, ct) == 0)
        {
            return false;
        }
        await Pg.ExecuteAsync(db, Outbox.Insert([AuthMails.PasswordReset(options, account.Email, account.FirstName, token)], requestedAt), ct);
        return true;
    }
}
