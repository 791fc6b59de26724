using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Email;

namespace Marketplace.Api.Features.Auth.ResetPassword;

public sealed class Endpoint(Db db, Passwords passwords, Lockout lockout, MarketplaceOptions options, TimeProvider clock, OutboxSignal outbox) : Endpoint<Request>
{
    public override void Configure()
    {
        Post("auth/reset-password");
        AllowAnonymous();
        Description(d => d
            .Produces(204)
            .ProducesProblemDetails(400));
        Summary(s =>
        {
            s.Summary = "Reset the password";
            s.Description = "Takes the token from the reset mail and a new password (10 to 128 characters, not the e-mail address). "
                + "The token works once and expires after 1 hour (400 invalid_token / token_expired). Every session of the user is "
                + "revoked, and a \"your password was changed\" notice is mailed.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var hash = Secrets.Hash(req.Token);
        var pending = await Data.FindAsync(db, hash, ct) ?? throw InvalidToken();
        if (pending.ExpiresAt is not { } expires || expires <= now)
        {
            throw ApiProblem.BadRequest("token_expired", "This reset link has expired; ask for a new one.");
        }
        if (string.Equals(req.NewPassword.Trim(), pending.Email, StringComparison.OrdinalIgnoreCase))
        {
            AddError(r => r.NewPassword, "The password must not be your e-mail address.");
            ThrowIfAnyErrors();
        }

        var passwordHash = await passwords.HashAsync(db, req.NewPassword, ct);
        await using (var transaction = await db.BeginTransactionAsync(ct))
        {
            if (await Data.ResetAsync(db, pending.UserId, hash, passwordHash, now, ct) == 0)
            {
                throw InvalidToken();
            }
            await Data.RevokeAllSessionsAsync(db, pending.UserId, now, ct);
            // the mailbox owner is back: every hold on the address is lifted
            await lockout.ClearAsync(db, Credentials.NormalizeEmail(pending.Email), ct);
            await Outbox.EnqueueAsync(db, clock, AuthMails.PasswordChanged(options, pending.Email, pending.FirstName), ct);
            await transaction.CommitAsync(ct);
        }
        outbox.Wake();
        await Send.NoContentAsync(ct);
    }

    private static ApiProblem InvalidToken() =>
        ApiProblem.BadRequest("invalid_token", "This reset link is not valid or was used already.");
}
