using System.Globalization;
using FastEndpoints;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Auth;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Admin.Users.Reinstate;

public sealed class Endpoint(Db db, TimeProvider clock) : Endpoint<Request, AdminUserDetail>
{
    public override void Configure()
    {
        Post("admin/users/{id:int}/reinstate");
        Policies(Infrastructure.Policies.Admin);
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403)
            .ProducesProblemDetails(404).ProducesProblemDetails(409));
        Summary(s =>
        {
            s.Summary = "Reinstate a suspended user (admins)";
            s.Description = "suspended -> active, with a reason. Their provider, if suspended, returns to active (pending if Stripe never "
                + "activated it) and its listings are public again. The user logs in anew (the suspension revoked their sessions). "
                + "409 invalid_transition unless suspended; 404 for an unknown or deleted user.";
            s.ExampleRequest = new Request { Id = 42, Reason = "Appeal accepted." };
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var admin = HttpContext.CurrentUser();
        var reason = req.Reason!.Trim();
        var now = clock.GetUtcNow().UtcDateTime;

        await db.InTransactionAsync(async c =>
        {
            var user = await Suspend.Data.LockUserAsync(db, req.Id, c);
            if (user is null || user.Value.Deleted)
            {
                throw ApiProblem.NotFound("user");
            }
            if (await Data.ReinstateUserAsync(db, req.Id, c) == 0)
            {
                throw ApiProblem.InvalidTransition($"A user who is {user.Value.Status} cannot be reinstated; only suspended ones can.");
            }
            await Audit.WriteAsync(db, clock, new AuditEntry("user", req.Id, "reinstate", "suspended", "active", admin.Id, AdminRules.ActorRole, new { reason }), c);

            if (await Suspend.Data.LockProviderAsync(db, req.Id, c) is { } p && await Data.ReinstateProviderAsync(db, p.Id, now, c) == 1)
            {
                var status = await db.Providers.Where(x => x.Id == p.Id).Select(x => x.Status).FirstAsync(c);
                await Audit.WriteAsync(db, clock, new AuditEntry("provider", p.Id, "reinstate", "suspended", status, admin.Id, AdminRules.ActorRole, new { reason }), c);
                await DomainEvents.AppendAsync(db, clock, new DomainEvent(EventTypes.ProviderReinstated, "provider", p.Id.ToString(CultureInfo.InvariantCulture),
                    await Features.Providers.ProviderProfile.LoadAsync(db, p.Id, c) ?? (object)new { id = p.Id }, [req.Id]), c);
            }
            await DomainEvents.AppendAsync(db, clock, new DomainEvent(EventTypes.UserReinstated, "user", req.Id.ToString(CultureInfo.InvariantCulture),
                await UserProfiles.GetAsync(db, req.Id, c) ?? (object)new { id = req.Id }, [req.Id]), c);
        }, ct);

        await Send.OkAsync(await AdminUserDetail.LoadAsync(db, clock, req.Id, ct) ?? throw ApiProblem.NotFound("user"), ct);
    }
}
