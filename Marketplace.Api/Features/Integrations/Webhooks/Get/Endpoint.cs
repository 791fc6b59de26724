using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Integrations.Webhooks.Get;

public sealed record Request
{
    /// <summary>The endpoint's id.</summary>
    public int Id { get; init; }
}

public sealed class Endpoint(Db db) : Endpoint<Request, WebhookEndpointView>
{
    public override void Configure()
    {
        Get("webhook-endpoints/{id:int}");
        Description(d => d.ProducesProblemDetails(401).ProducesProblemDetails(404));
        Summary(s =>
        {
            s.Summary = "A webhook endpoint";
            s.Description = "One of the caller's endpoints (another user's is 404), without its secret.";
            s.ExampleRequest = new Request { Id = 3 };
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct) =>
        await Send.OkAsync(WebhookEndpointView.From(await WebhookEndpoints.OwnedAsync(db, req.Id, HttpContext.CurrentUser().Id, ct)), ct);
}
