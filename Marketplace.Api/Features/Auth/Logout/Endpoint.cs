using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Auth.Logout;

public sealed class Endpoint(Db db, TimeProvider clock) : EndpointWithoutRequest
{
    public override void Configure()
    {
        Post("auth/logout");
        Description(d => d
            .Produces(204)
            .ProducesProblemDetails(401));
        Summary(s =>
        {
            s.Summary = "Log out";
            s.Description = "Revokes the caller's session: its access token answers 401 from the next request on and its refresh token "
                + "stops working. Other sessions of the user stay logged in.";
        });
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        await Data.RevokeSessionAsync(db, HttpContext.CurrentUser().SessionId, clock.GetUtcNow().UtcDateTime, ct);
        await Send.NoContentAsync(ct);
    }
}
