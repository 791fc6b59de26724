using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Providers.UpdateMine;

public sealed class Endpoint(Db db, TimeProvider clock) : Endpoint<Request, ProviderProfile>
{
    public override void Configure()
    {
        Patch("providers/me");
        Policies(Infrastructure.Policies.Provider);
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403));
        Summary(s =>
        {
            s.Summary = "Update my provider profile";
            s.Description = "Partial update: an absent field is unchanged, an explicit null clears a nullable field "
                + "(businessName and providerType cannot be cleared). paymentMode and status are not changed here.";
        });
    }

    public override async Task HandleAsync(Request r, CancellationToken ct)
    {
        var providerId = HttpContext.CurrentUser().ProviderId!.Value;
        var current = await Data.GetAsync(db, providerId, ct) ?? throw ApiProblem.NotFound("provider");
        var providerType = r.Has(nameof(r.ProviderType)) ? r.ProviderType! : current.ProviderType;
        var tenantId = r.Has(nameof(r.TenantId)) ? r.TenantId : current.TenantId;
        if (tenantId is not null && providerType is not ("breeder" or "both"))
        {
            AddError(r => r.TenantId, "tenantId is only for breeders (providerType breeder or both).");
            ThrowIfAnyErrors();
        }

        if (r.Has(nameof(r.TimeZone)) && r.TimeZone != current.TimeZone)
        {
            // every plan is read in the provider's zone: the browse filter's free slots move with it (FreeDays)
            await db.InTransactionAsync(async c =>
            {
                await LockOrder.ProviderAsync(db, providerId, c);
                await Data.UpdateAsync(db, providerId, r, c);
                await Listings.Availability.FreeDays.RefreshProviderAsync(db, providerId, clock.GetUtcNow().UtcDateTime, c);
            }, ct);
        }
        else
        {
            await Data.UpdateAsync(db, providerId, r, ct);
        }
        await Send.OkAsync(await ProviderProfile.LoadAsync(db, providerId, ct) ?? throw ApiProblem.NotFound("provider"), ct);
    }
}
