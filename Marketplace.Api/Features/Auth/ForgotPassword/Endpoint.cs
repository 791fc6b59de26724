using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Email;

namespace Marketplace.Api.Features.Auth.ForgotPassword;

public sealed class Endpoint(Db db, MarketplaceOptions options, TimeProvider clock, OutboxSignal outbox) : Endpoint<Request, Response>
{
    private static readonly Response Accepted = new("If this address has an account, a link to reset the password has been sent.");

    public override void Configure()
    {
        Post("auth/forgot-password");
        AllowAnonymous();
        Options(b => b.RequireRateLimiting(RateLimits.Auth));
        Description(d => d
            .ClearDefaultProduces(200)
            .Produces<Response>(202, "application/json")
            .ProducesProblemDetails(400)
            .ProducesProblemDetails(429));
        Summary(s =>
        {
            s.Summary = "Request a password reset";
            s.Description = "Always answers 202 with the same body, whether or not the address has an account. When it has, a reset "
                + "link (valid 1 hour, single use) is mailed; at most one mail per minute per account. Rate-limited per client IP "
                + "(429 rate_limited).";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var account = await Data.FindAsync(db, Credentials.NormalizeEmail(req.Email), ct);
        if (account is not null)
        {
            var token = Secrets.NewToken();
            var now = clock.GetUtcNow().UtcDateTime;
            await using var transaction = await db.BeginTransactionAsync(ct);
            if (await Data.ReplaceTokenAsync(db, account.Id, Secrets.Hash(token), now, AuthMails.ResetLifetime, AuthMails.ResendInterval, ct) == 1)
            {
                await Outbox.EnqueueAsync(db, clock, AuthMails.PasswordReset(options, account.Email, account.FirstName, token), ct);
            }
            await transaction.CommitAsync(ct);
            outbox.Wake();
        }
        await Send.ResponseAsync(Accepted, StatusCodes.Status202Accepted, ct);
    }
}
