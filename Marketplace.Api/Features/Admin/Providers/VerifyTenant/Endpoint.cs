using System.Globalization;
using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Features.Providers;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Admin.Providers.VerifyTenant;

public sealed class Endpoint(Db db, TimeProvider clock) : Endpoint<Request, ProviderProfile>
{
    public override void Configure()
    {
        Post("admin/providers/{id:int}/verify-tenant");
        Policies(Infrastructure.Policies.Admin);
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403)
            .ProducesProblemDetails(404).ProducesProblemDetails(409));
        Summary(s =>
        {
            s.Summary = "Verify a provider's breeder tenant (admins)";
            s.Description = "Marks the link between the provider and its breeder-system tenant as checked: the owner's account becomes "
                + "tenantVerified for that tenant, so the provider shows tenantVerified too. Verifying again is 200 and changes nothing. "
                + "409 no_tenant when the provider names no tenant; 409 tenant_mismatch when the owner's account names another one.";
            s.ExampleRequest = new Request { Id = 7, Reason = "Checked against the breeder system's registry, tenant 1204." };
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var admin = HttpContext.CurrentUser();
        var owner = await Data.OwnerAsync(db, req.Id, ct) ?? throw ApiProblem.NotFound("provider");
        if (owner.ProviderTenantId is not { } tenantId)
        {
            throw ApiProblem.Conflict("no_tenant", "The provider names no breeder tenant; there is nothing to verify.");
        }

        await db.InTransactionAsync(async c =>
        {
            // user before provider (LockOrder)
            var user = await Data.UserTenantAsync(db, owner.UserId, c);
            await LockOrder.ProviderAsync(db, req.Id, c);
            if (user.TenantId is { } other && other != tenantId)
            {
                throw ApiProblem.Conflict("tenant_mismatch", $"The owner's account names tenant {other}, the provider {tenantId}; correct one of them first.");
            }
            if (await Data.VerifyAsync(db, owner.UserId, tenantId, c) == 0)
            {
                return; // verified already
            }
            await Audit.WriteAsync(db, clock, new AuditEntry("user", owner.UserId, "tenant_verified", null, null, admin.Id, AdminRules.ActorRole,
                new { tenantId, reason = req.Reason!.Trim() }), c);
            await Audit.WriteAsync(db, clock, new AuditEntry("provider", req.Id, "tenant_verified", null, null, admin.Id, AdminRules.ActorRole,
                new { tenantId, reason = req.Reason!.Trim() }), c);
            await DomainEvents.AppendAsync(db, clock, new DomainEvent(EventTypes.ProviderTenantVerified, "provider", req.Id.ToString(CultureInfo.InvariantCulture),
                await ProviderProfile.LoadAsync(db, req.Id, c) ?? (object)new { id = req.Id }, [owner.UserId]), c);
        }, ct);
        await Send.OkAsync(await ProviderProfile.LoadAsync(db, req.Id, ct) ?? throw ApiProblem.NotFound("provider"), ct);
    }
}
