using System.Globalization;
using FastEndpoints;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Infrastructure;
using Microsoft.AspNetCore.Identity;

namespace Marketplace.Api.Features.Auth.DeleteMe;

public sealed class Endpoint(Db db, Passwords passwords, Lockout lockout, TimeProvider clock) : Endpoint<Request>
{
    public override void Configure()
    {
        Delete("auth/me");
        Description(d => d.Produces(204).ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(409).ProducesProblemDetails(429));
        Summary(s =>
        {
            s.Summary = "Delete my account";
            s.Description = "Needs the current password (a wrong one is a 400 on password and counts towards the lock-out like "
                + "change-password). 409 open_bookings while a booking of the caller (as client or provider) is requested, pending, "
                + "invoiced, paid or in_progress. Otherwise the account is soft-deleted and anonymised: the e-mail becomes "
                + "deleted-<id>@deleted.invalid (the real one can register again), names, phone and address are erased, every session "
                + "and API key is revoked, the provider profile and its listings leave public reads. Bookings, invoices and reviews "
                + "stay (financial records), pointing at the anonymised account. A deleted account cannot log in.";
            s.ExampleRequest = new Request { Password = "correct horse battery staple" };
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        var account = await db.Users.FirstOrDefaultAsync(u => u.Id == me.Id && u.DeletedAt == null, ct) ?? throw ApiProblem.NotFound("user");
        var attempt = lockout.For(Credentials.NormalizeEmail(account.Email), HttpContext.Connection.RemoteIpAddress);
        await lockout.ThrowIfHeldAsync(db, attempt, ct);
        if (await passwords.VerifyAsync(db, account.PasswordHash, req.Password!, ct) == PasswordVerificationResult.Failed)
        {
            await lockout.RecordFailureAsync(db, attempt, ct);
            ThrowError(r => r.Password, "The password is wrong.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await db.InTransactionAsync(async c =>
        {
            var providerId = await Data.LockAsync(db, me.Id, c);
            var role = providerId is null ? "client" : "provider";
            if (await Data.HasOpenBookingsAsync(db, me.Id, providerId, c))
            {
                throw ApiProblem.Conflict("open_bookings", "Finish or cancel your open bookings (as client and as provider) first.");
            }
            if (providerId is { } pid)
            {
                await Data.HideProviderAsync(db, pid, now, c);
                await Audit.WriteAsync(db, clock, new AuditEntry("provider", pid, "deleted", null, "deleted", me.Id, role, new { reason = "account deleted" }), c);
            }
            if (await Data.AnonymiseAsync(db, me.Id, now, c) == 0)
            {
                throw ApiProblem.NotFound("user");
            }
            await Data.RevokeAccessAsync(db, me.Id, now, c);
            await Audit.WriteAsync(db, clock, new AuditEntry("user", me.Id, "deleted", account.Status, "deleted", me.Id, role), c);
            await DomainEvents.AppendAsync(db, clock, new DomainEvent(EventTypes.UserDeleted, "user", me.Id.ToString(CultureInfo.InvariantCulture),
                new { id = me.Id, status = "deleted", deletedAt = now }, [me.Id]), c);
        }, ct);
        await Send.NoContentAsync(ct);
    }
}
