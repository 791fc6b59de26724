using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Email;

namespace Marketplace.Api.Features.Auth.ResendVerification;

public sealed class Endpoint(Db db, MarketplaceOptions options, TimeProvider clock, OutboxSignal outbox) : Endpoint<Request, Response>
{
    private static readonly Response Accepted = new("If this address has an account waiting for verification, a new verification link has been sent.");

    public override void Configure()
    {
        Post("auth/resend-verification");
        AllowAnonymous();
        Options(b => b.RequireRateLimiting(RateLimits.Auth));
        Description(d => d
            .ClearDefaultProduces(200)
            .Produces<Response>(202, "application/json")
            .ProducesProblemDetails(400)
            .ProducesProblemDetails(429));
        Summary(s =>
        {
            s.Summary = "Send the verification mail again";
            s.Description = "Always answers 202 with the same body, whether or not the address has an unverified account. When it has, "
                + "a new link is mailed and the previous one stops working; at most one mail per minute per account. "
                + "Rate-limited per client IP (429 rate_limited).";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var user = await Data.FindAsync(db, Credentials.NormalizeEmail(req.Email), ct);
        if (user is not null)
        {
            var token = Secrets.NewToken();
            var now = clock.GetUtcNow().UtcDateTime;
            await using var transaction = await db.BeginTransactionAsync(ct);
            if (await Data.ReplaceTokenAsync(db, user.Id, Secrets.Hash(token), now, AuthMails.VerificationLifetime, AuthMails.ResendInterval, ct) == 1)
            {
                await Outbox.EnqueueAsync(db, clock, AuthMails.Verification(options, user.Email, user.FirstName, token), ct);
            }
            await transaction.CommitAsync(ct);
            outbox.Wake();
        }
        await Send.ResponseAsync(Accepted, StatusCodes.Status202Accepted, ct);
    }
}
