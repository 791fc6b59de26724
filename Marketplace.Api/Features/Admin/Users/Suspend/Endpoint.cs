using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Auth;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Admin.Users.Suspend;

public sealed class Endpoint(Db db, TimeProvider clock) : Endpoint<Request, Response>
{
    public override void Configure()
    {
        Post("admin/users/{id:int}/suspend");
        Policies(Infrastructure.Policies.Admin);
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403)
            .ProducesProblemDetails(404).ProducesProblemDetails(409));
        Summary(s =>
        {
            s.Summary = "Suspend a user (admins)";
            s.Description = "active -> suspended, with a reason. In the same transaction: every session of the user is revoked (the next "
                + "request with their token is 401; login answers 403 account_suspended), their provider becomes suspended (it and its "
                + "listings leave every public read at once), audit rows with the admin as actor and user.suspended / provider.suspended "
                + "events. Answers the account and the bookings still open on either side, for follow-up (they are not cancelled). "
                + "409 invalid_transition unless active; 409 cannot_suspend_self for the caller's own account; 404 for an unknown or deleted user.";
            s.ExampleRequest = new Request { Id = 42, Reason = "Repeated no-shows reported by three clients." };
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var admin = HttpContext.CurrentUser();
        if (req.Id == admin.Id)
        {
            throw ApiProblem.Conflict("cannot_suspend_self", "Operators cannot suspend their own account.");
        }
        var reason = req.Reason!.Trim();
        var now = clock.GetUtcNow().UtcDateTime;

        var providerId = await db.InTransactionAsync(async c =>
        {
            var user = await Data.LockUserAsync(db, req.Id, c);
            if (user is null || user.Value.Deleted)
            {
                throw ApiProblem.NotFound("user");
            }
            if (await Data.SuspendUserAsync(db, req.Id, reason, now, c) == 0)
            {
                throw ApiProblem.InvalidTransition($"A user who is {user.Value.Status} cannot be suspended; only active ones can.");
            }
            await Data.RevokeSessionsAsync(db, req.Id, now, c);
            await Audit.WriteAsync(db, clock, new AuditEntry("user", req.Id, "suspend", "active", "suspended", admin.Id, AdminRules.ActorRole, new { reason }), c);

            var provider = await Data.LockProviderAsync(db, req.Id, c);
            if (provider is { } p && await Data.SuspendProviderAsync(db, p.Id, reason, now, c) == 1)
            {
                await Audit.WriteAsync(db, clock, new AuditEntry("provider", p.Id, "suspend", p.Status, "suspended", admin.Id, AdminRules.ActorRole, new { reason }), c);
                await DomainEvents.AppendAsync(db, clock, new DomainEvent(EventTypes.ProviderSuspended, "provider", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    await Features.Providers.ProviderProfile.LoadAsync(db, p.Id, c) ?? (object)new { id = p.Id }, [req.Id]), c);
            }
            await DomainEvents.AppendAsync(db, clock, new DomainEvent(EventTypes.UserSuspended, "user", req.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                await UserProfiles.GetAsync(db, req.Id, c) ?? (object)new { id = req.Id }, [req.Id]), c);
            return provider?.Id;
        }, ct);

        var detail = await AdminUserDetail.LoadAsync(db, clock, req.Id, ct) ?? throw ApiProblem.NotFound("user");
        await Send.OkAsync(new Response(detail, await Data.OpenBookingsAsync(db, req.Id, providerId, ct)), ct);
    }
}
