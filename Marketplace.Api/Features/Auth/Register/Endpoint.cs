using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Email;
using Npgsql;

namespace Marketplace.Api.Features.Auth.Register;

public sealed class Endpoint(Db db, Passwords passwords, SessionTokens sessions, MarketplaceOptions options, TimeProvider clock, OutboxSignal outbox)
    : Endpoint<Request, AuthResponse>
{
    public override void Configure()
    {
        Post("auth/register");
        AllowAnonymous();
        Options(b => b.RequireRateLimiting(RateLimits.Auth));
        Description(d => d
            .ClearDefaultProduces(200)
            .Produces<AuthResponse>(201, "application/json")
            .ProducesProblemDetails(400)
            .ProducesProblemDetails(409)
            .ProducesProblemDetails(429));
        Summary(s =>
        {
            s.Summary = "Register a marketplace account";
            s.Description = "Creates the account and logs it in (201 with tokens). A verification link is mailed to the address. "
                + "E-mail addresses are case-insensitive: 409 email_taken when one exists already. "
                + "Passwords have 10 to 128 characters and must not be the e-mail address. Rate-limited per client IP (429 rate_limited).";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var email = Credentials.NormalizeEmail(req.Email);
        if (await Data.EmailTakenAsync(db, email, ct))
        {
            throw EmailTaken();
        }

        var passwordHash = await passwords.HashAsync(db, req.Password, ct);
        var verifyToken = Secrets.NewToken();
        var now = clock.GetUtcNow().UtcDateTime;
        IssuedTokens tokens;
        int userId;
        try
        {
            await using var transaction = await db.BeginTransactionAsync(ct);
            userId = await Data.InsertUserAsync(db, new UserRow
            {
                Email = email,
                PasswordHash = passwordHash,
                FirstName = Trimmed(req.FirstName),
                LastName = Trimmed(req.LastName),
                Phone = Trimmed(req.Phone),
                Country = "US",
                UserType = "buyer",
                Status = "active",
                EmailVerifyToken = Secrets.Hash(verifyToken),
                EmailVerifyExpires = now + AuthMails.VerificationLifetime,
                CreatedAt = now,
                UpdatedAt = now,
            }, ct);
            await Outbox.EnqueueAsync(db, clock, AuthMails.Verification(options, email, Trimmed(req.FirstName), verifyToken), ct);
            tokens = await sessions.StartSessionAsync(db, userId, HttpContext, ct);
            await ResourceEvents.UserAsync(db, clock, EventTypes.UserRegistered, userId, ct);
            await transaction.CommitAsync(ct);
        }
        catch (PostgresException ex) when (Data.IsEmailTaken(ex))
        {
            throw EmailTaken();
        }
        outbox.Wake();

        await Send.ResponseAsync(await AuthResponse.ForAsync(db, tokens, userId, ct), StatusCodes.Status201Created, ct);
    }

    private static ApiProblem EmailTaken() =>
        ApiProblem.Conflict("email_taken", "An account with this e-mail address exists already; log in or reset the password.");

    private static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
