using FastEndpoints;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Webhooks.Deliveries;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Integrations.Webhooks.RetryDelivery;

public sealed record Request
{
    /// <summary>The endpoint's id.</summary>
    public int Id { get; init; }

    /// <summary>The delivery's id.</summary>
    public long DeliveryId { get; init; }
}

public sealed class Endpoint(Db db, TimeProvider clock) : Endpoint<Request, DeliveryView>
{
    public override void Configure()
    {
        Post("webhook-endpoints/{id:int}/deliveries/{deliveryId:long}/retry");
        Description(d => d.ClearDefaultProduces(200).Produces<DeliveryView>(202, "application/json")
            .ProducesProblemDetails(401).ProducesProblemDetails(403).ProducesProblemDetails(404));
        Summary(s =>
        {
            s.Summary = "Retry a webhook delivery";
            s.Description = "Makes the delivery due now (whatever its status: a failed one gets another 3 days of retries); the "
                + "background delivery sends it within a second or so (202). One in flight is not interrupted.";
            s.ExampleRequest = new Request { Id = 3, DeliveryId = 42 };
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        await WebhookEndpoints.OwnedAsync(db, req.Id, me.Id, ct);
        var now = WebhookEndpoints.Now(clock);
        var deliveries = db.GetTable<WebhookDeliveryRow>().Where(d => d.Id == req.DeliveryId && d.EndpointId == req.Id);
        if (await deliveries.Set(d => d.Status, "pending").Set(d => d.NextAttemptAt, now).Set(d => d.CreatedAt, now).UpdateAsync(ct) == 0)
        {
            throw ApiProblem.NotFound("delivery");
        }
        var row = await deliveries.FirstAsync(ct);
        var type = await db.GetTable<Marketplace.Api.Data.WebhookDeliveryRow>().Where(d => d.Id == row.Id)
            .Select(d => Sql.Expr<string>("(SELECT type FROM marketplace.domain_events WHERE id = event_id)")).FirstAsync(ct);
        await Send.ResponseAsync(DeliveryView.From(row, type), StatusCodes.Status202Accepted, ct);
    }
}
