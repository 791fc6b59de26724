using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Auth.Refresh;

public sealed class Endpoint(Db db, SessionTokens sessions, MarketplaceOptions options, TimeProvider clock, ILogger<Endpoint> logger) : Endpoint<Request, AuthResponse>
{
    public override void Configure()
    {
        Post("auth/refresh");
        AllowAnonymous();
        Description(d => d
            .ProducesProblemDetails(400)
            .ProducesProblemDetails(401)
            .ProducesProblemDetails(403));
        Summary(s =>
        {
            s.Summary = "Refresh the tokens";
            s.Description = "Exchanges a refresh token for a new access token and a new refresh token (rotation): each refresh token "
                + "works once. Within 30 seconds of its rotation (Marketplace:Auth:RefreshGraceSeconds) a spent token answers the same "
                + "new refresh token again with a fresh access token, as long as that new one is unused, so concurrent refreshes of "
                + "one token (several tabs, a retry) all succeed. Presenting a spent token later revokes the whole session, since it "
                + "means the token was copied (401 refresh_token_reused); an unknown, expired or revoked one is 401 invalid_refresh_token.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        IssuedTokens tokens;
        int userId;
        await using (var transaction = await db.BeginTransactionAsync(ct))
        {
            var presented = await Data.FindAsync(db, Secrets.Hash(req.RefreshToken), ct);
            if (presented is null || presented.SessionRevokedAt is not null || presented.SessionExpiresAt <= now || presented.ExpiresAt <= now)
            {
                throw ApiProblem.Unauthorized("invalid_refresh_token", "The refresh token is unknown, expired or revoked; log in again.");
            }
            if (presented.UserStatus != "active" || presented.UserDeletedAt is not null)
            {
                throw ApiProblem.Forbidden("account_suspended", "This account is suspended or closed; contact support.");
            }
            // the successor is derived from the token (HMAC under a key of the signing key), so a second presentation within
            // the grace window can answer the same one without it being stored anywhere but as a hash
            var successor = sessions.SuccessorOf(req.RefreshToken);
            if (presented.UsedAt is null && await Data.MarkUsedAsync(db, presented.Id, now, ct) == 1)
            {
                await sessions.AddRefreshTokenAsync(db, presented.SessionId, presented.SessionExpiresAt, successor, ct);
            }
            else
            {
                // spent: by a concurrent refresh (MarkUsed waited for its commit, so a fresh read sees it) or earlier
                var usedAt = presented.UsedAt ?? await Data.UsedAtAsync(db, presented.Id, ct);
                var grace = TimeSpan.FromSeconds(options.Auth.RefreshGraceSeconds);
                if (usedAt is not { } spent || now - spent > grace
                    || !await Data.SuccessorUnspentAsync(db, presented.SessionId, Secrets.Hash(successor), ct))
                {
                    // a spent token came back: whoever holds the session's tokens now may be a thief, so end it for both
                    await Data.RevokeSessionAsync(db, presented.SessionId, now, ct);
                    await transaction.CommitAsync(ct);
                    logger.LogWarning("Refresh token reused on session {SessionId} of user {UserId}; session revoked", presented.SessionId, presented.UserId);
                    throw ApiProblem.Unauthorized("refresh_token_reused", "This refresh token was used already; the session is revoked. Log in again.");
                }
            }

            var accessToken = sessions.AccessToken(presented.UserId, presented.SessionId, out var expiresIn);
            tokens = new IssuedTokens(accessToken, expiresIn, successor, presented.SessionId);
            userId = presented.UserId;
            await transaction.CommitAsync(ct);
        }

        await Send.OkAsync(await AuthResponse.ForAsync(db, tokens, userId, ct), ct);
    }
}
