using FastEndpoints;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Integrations.ApiKeys.Revoke;

public sealed class Endpoint(Db db, TimeProvider clock) : Endpoint<Request>
{
    public override void Configure()
    {
        Delete("api-keys/{id:int}");
        Description(d => d.ClearDefaultProduces(200).Produces(204).ProducesProblemDetails(401).ProducesProblemDetails(403).ProducesProblemDetails(404));
        Summary(s =>
        {
            s.Summary = "Delete an API key";
            s.Description = "Revokes one of the caller's keys: the next request with it is 401. Another user's key, or one deleted "
                + "already, is 404.";
            s.ExampleRequest = new Request { Id = 7 };
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        var revoked = await db.GetTable<ApiKeyRow>().Where(k => k.Id == req.Id && k.UserId == me.Id && k.RevokedAt == null)
            .Set(k => k.RevokedAt, clock.GetUtcNow().UtcDateTime).UpdateAsync(ct);
        if (revoked == 0)
        {
            throw ApiProblem.NotFound("API key");
        }
        await Send.NoContentAsync(ct);
    }
}
