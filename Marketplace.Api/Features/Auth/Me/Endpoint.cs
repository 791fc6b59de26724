using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Auth.Me;

public sealed class Endpoint(Db db) : EndpointWithoutRequest<UserProfile>
{
    public override void Configure()
    {
        Get("auth/me");
        Description(d => d.ProducesProblemDetails(401));
        Summary(s =>
        {
            s.Summary = "Current user";
            s.Description = "The caller's account: profile, shipping address, verification and provider flags.";
        });
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var me = await UserProfiles.GetAsync(db, HttpContext.CurrentUser().Id, ct) ?? throw ApiProblem.NotFound("user");
        await Send.OkAsync(me, ct);
    }
}
