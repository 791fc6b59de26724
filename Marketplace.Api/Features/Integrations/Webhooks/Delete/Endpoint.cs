using FastEndpoints;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Integrations.Webhooks.Delete;

public sealed record Request
{
    /// <summary>The endpoint's id.</summary>
    public int Id { get; init; }
}

public sealed class Endpoint(Db db) : Endpoint<Request>
{
    public override void Configure()
    {
        Delete("webhook-endpoints/{id:int}");
        Description(d => d.ClearDefaultProduces(200).Produces(204).ProducesProblemDetails(401).ProducesProblemDetails(403).ProducesProblemDetails(404));
        Summary(s =>
        {
            s.Summary = "Delete a webhook endpoint";
            s.Description = "Deletes one of the caller's endpoints with its deliveries; nothing more is sent to it. Another user's is 404.";
            s.ExampleRequest = new Request { Id = 3 };
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        if (await db.GetTable<WebhookEndpointRow>().Where(w => w.Id == req.Id && w.UserId == me.Id).DeleteAsync(ct) == 0)
        {
            throw ApiProblem.NotFound("webhook endpoint");
        }
        await Send.NoContentAsync(ct);
    }
}
