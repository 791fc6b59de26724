using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Email;
using Microsoft.AspNetCore.Identity;

namespace Marketplace.Api.Features.Auth.ChangePassword;

public sealed class Endpoint(Db db, Passwords passwords, Lockout lockout, MarketplaceOptions options, TimeProvider clock, OutboxSignal outbox) : Endpoint<Request>
{
    public override void Configure()
    {
        Post("auth/change-password");
        Description(d => d
            .Produces(204)
            .ProducesProblemDetails(400)
            .ProducesProblemDetails(401)
            .ProducesProblemDetails(409)
            .ProducesProblemDetails(429));
        Summary(s =>
        {
            s.Summary = "Change the password";
            s.Description = "Needs the current password (a wrong one is a 400 on currentPassword and counts towards the lock-out of "
                + "the address from this client network: 429 too_many_attempts after 5). The new one has 10 to 128 characters and is neither the current one nor the e-mail "
                + "address. Every other session of the user is revoked, this one stays; a notice is mailed.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        var now = clock.GetUtcNow().UtcDateTime;
        var account = await Data.GetAsync(db, me.Id, ct) ?? throw ApiProblem.NotFound("user");
        // a stolen access token cannot be used to guess the password either: the same counts as login's
        var attempt = lockout.For(Credentials.NormalizeEmail(account.Email), HttpContext.Connection.RemoteIpAddress);
        await lockout.ThrowIfHeldAsync(db, attempt, ct);
        if (await passwords.VerifyAsync(db, account.PasswordHash, req.CurrentPassword, ct) == PasswordVerificationResult.Failed)
        {
            await lockout.RecordFailureAsync(db, attempt, ct);
            AddError(r => r.CurrentPassword, "The current password is wrong.");
        }
        if (string.Equals(req.NewPassword.Trim(), account.Email, StringComparison.OrdinalIgnoreCase))
        {
            AddError(r => r.NewPassword, "The password must not be your e-mail address.");
        }
        ThrowIfAnyErrors();

        var newHash = await passwords.HashAsync(db, req.NewPassword, ct);
        await using (var transaction = await db.BeginTransactionAsync(ct))
        {
            if (await Data.ChangeAsync(db, me.Id, account.PasswordHash, newHash, ct) == 0)
            {
                throw ApiProblem.Conflict("concurrent_change", "The password was changed meanwhile; try again.");
            }
            await Data.RevokeOtherSessionsAsync(db, me.Id, me.SessionId, now, ct);
            await Outbox.EnqueueAsync(db, clock, AuthMails.PasswordChanged(options, account.Email, account.FirstName), ct);
            await transaction.CommitAsync(ct);
        }
        outbox.Wake();
        await Send.NoContentAsync(ct);
    }
}
