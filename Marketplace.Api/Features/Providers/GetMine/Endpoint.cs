using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Providers.GetMine;

public sealed class Endpoint(Db db) : EndpointWithoutRequest<ProviderProfile>
{
    public override void Configure()
    {
        Get("providers/me");
        Policies(Infrastructure.Policies.Provider);
        Description(d => d.ProducesProblemDetails(401).ProducesProblemDetails(403));
        Summary(s =>
        {
            s.Summary = "My provider profile";
            s.Description = "The caller's provider profile with Stripe Connect state, payment settings, statistics and status (403 not_a_provider for other users).";
        });
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var providerId = HttpContext.CurrentUser().ProviderId!.Value;
        await Send.OkAsync(await ProviderProfile.LoadAsync(db, providerId, ct) ?? throw ApiProblem.NotFound("provider"), ct);
    }
}
