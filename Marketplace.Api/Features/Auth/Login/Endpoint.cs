using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Microsoft.AspNetCore.Identity;

namespace Marketplace.Api.Features.Auth.Login;

public sealed class Endpoint(Db db, Passwords passwords, SessionTokens sessions, Lockout lockout, TimeProvider clock) : Endpoint<Request, AuthResponse>
{
    public override void Configure()
    {
        Post("auth/login");
        AllowAnonymous();
        Options(b => b.RequireRateLimiting(RateLimits.Auth));
        Description(d => d
            .ProducesProblemDetails(400)
            .ProducesProblemDetails(401)
            .ProducesProblemDetails(403)
            .ProducesProblemDetails(429));
        Summary(s =>
        {
            s.Summary = "Log in";
            s.Description = "Checks the e-mail and password and starts a session: an access token (15 minutes) and a refresh token. "
                + "A wrong e-mail and a wrong password both answer 401 invalid_credentials. After 5 consecutive failures for one "
                + "e-mail from one client network (/24, /64) that network is held back for 15 minutes (429 too_many_attempts with "
                + "Retry-After), for known and unknown addresses alike; 50 failures an hour over all networks slow the address to "
                + "one try a minute. A suspended or deleted account answers 403 account_suspended. Rate-limited per client IP "
                + "(429 rate_limited).";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var email = Credentials.NormalizeEmail(req.Email);
        // held back or not is decided before the account is looked up: known and unknown addresses answer alike
        var attempt = lockout.For(email, HttpContext.Connection.RemoteIpAddress);
        await lockout.ThrowIfHeldAsync(db, attempt, ct);

        var account = await Data.FindAsync(db, email, ct);
        PasswordVerificationResult check;
        if (account is null)
        {
            // the same PBKDF2 work as for a real account: the answer time does not tell whether the e-mail exists
            await passwords.VerifyNobodyAsync(db, req.Password, ct);
            check = PasswordVerificationResult.Failed;
        }
        else
        {
            check = await passwords.VerifyAsync(db, account.PasswordHash, req.Password, ct);
        }
        if (check == PasswordVerificationResult.Failed)
        {
            await lockout.RecordFailureAsync(db, attempt, ct);
            throw InvalidCredentials();
        }
        if (account!.Status != "active" || account.DeletedAt is not null)
        {
            throw ApiProblem.Forbidden("account_suspended", "This account is suspended or closed; contact support.");
        }

        var rehashed = check == PasswordVerificationResult.SuccessRehashNeeded ? await passwords.HashAsync(db, req.Password, ct) : null;
        IssuedTokens tokens;
        await using (var transaction = await db.BeginTransactionAsync(ct))
        {
            await Data.RecordSuccessAsync(db, account.Id, now, rehashed, ct);
            await lockout.RecordSuccessAsync(db, attempt, ct);
            tokens = await sessions.StartSessionAsync(db, account.Id, HttpContext, ct);
            await transaction.CommitAsync(ct);
        }

        await Send.OkAsync(await AuthResponse.ForAsync(db, tokens, account.Id, ct), ct);
    }

    private static ApiProblem InvalidCredentials() =>
        ApiProblem.Unauthorized("invalid_credentials", "The e-mail address or the password is wrong.");
}
