using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Auth.VerifyEmail;

public sealed class Endpoint(Db db, TimeProvider clock) : Endpoint<Request>
{
    public override void Configure()
    {
        Post("auth/verify-email");
        AllowAnonymous();
        Description(d => d
            .Produces(204)
            .ProducesProblemDetails(400));
        Summary(s =>
        {
            s.Summary = "Verify the e-mail address";
            s.Description = "Takes the token from the verification mail's link. Tokens work once and expire after 24 hours: "
                + "400 invalid_token for an unknown or used one, 400 token_expired for an old one (ask for a new mail with "
                + "/auth/resend-verification).";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var hash = Secrets.Hash(req.Token);
        var pending = await Data.FindAsync(db, hash, ct) ?? throw InvalidToken();
        if (pending.ExpiresAt is not { } expires || expires <= now)
        {
            throw ApiProblem.BadRequest("token_expired", "This verification link has expired; ask for a new one.");
        }
        await using (var transaction = await db.BeginTransactionAsync(ct))
        {
            if (await Data.VerifyAsync(db, pending.UserId, hash, now, ct) == 0)
            {
                throw InvalidToken();
            }
            await ResourceEvents.UserAsync(db, clock, EventTypes.UserVerified, pending.UserId, ct);
            await transaction.CommitAsync(ct);
        }
        await Send.NoContentAsync(ct);
    }

    private static ApiProblem InvalidToken() =>
        ApiProblem.BadRequest("invalid_token", "This verification link is not valid or was used already.");
}
