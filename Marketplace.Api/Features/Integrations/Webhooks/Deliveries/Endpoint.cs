using FastEndpoints;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Integrations.Webhooks.Deliveries;

public sealed record Request
{
    /// <summary>The endpoint's id.</summary>
    public int Id { get; init; }

    /// <summary>Page size, 1-100 (default 20).</summary>
    public int? Limit { get; init; }

    /// <summary>The nextCursor of the previous page.</summary>
    public string? Cursor { get; init; }
}

/// <summary>The id of the last delivery of a page (newest first).</summary>
public sealed record Cursor(long Id);

public sealed class Validator : Validator<Request>
{
    public Validator() => this.AddPagingRules(r => r.Limit, r => r.Cursor);
}

public sealed class Endpoint(Db db, Cursors cursors) : Endpoint<Request, CursorPage<DeliveryView>>
{
    public override void Configure()
    {
        Get("webhook-endpoints/{id:int}/deliveries");
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(404));
        Summary(s =>
        {
            s.Summary = "Deliveries of a webhook endpoint";
            s.Description = "Newest first: status (pending, delivered, failed), attempts, the last response code or error, and when the "
                + "next attempt is due. Keyset pages (?limit=, ?cursor=).";
            s.ExampleRequest = new Request { Id = 3, Limit = 20 };
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        await WebhookEndpoints.OwnedAsync(db, req.Id, me.Id, ct);
        var limit = req.Limit ?? Paging.DefaultLimit;
        var scope = new CursorScope("webhook-deliveries", new { UserId = me.Id, EndpointId = req.Id });
        var before = cursors.Decode<Cursor>(req.Cursor, scope)?.Id ?? long.MaxValue;
        var rows = await (
            from d in db.GetTable<WebhookDeliveryRow>()
            join e in db.GetTable<EventTypeRow>() on d.EventId equals e.Id
            where d.EndpointId == req.Id && d.Id < before
            orderby d.Id descending
            select new { Delivery = d, EventType = e.Type })
            .Take(limit + 1).ToListAsync(ct);
        await Send.OkAsync(cursors.Page(rows.Select(r => DeliveryView.From(r.Delivery, r.EventType)).ToList(), limit, d => new Cursor(d.Id), scope), ct);
    }

    [LinqToDB.Mapping.Table("domain_events", Schema = "marketplace")]
    private sealed class EventTypeRow
    {
        [LinqToDB.Mapping.Column("id")] public Guid Id { get; set; }
        [LinqToDB.Mapping.Column("type")] public string Type { get; set; } = "";
    }
}

/// <summary>One event's delivery to one endpoint.</summary>
/// <param name="Id">The delivery's id (for retry).</param>
/// <param name="EventId">The event delivered (its webhook-id).</param>
/// <param name="EventType">The event's type.</param>
/// <param name="Status">pending | delivered | failed (gave up after 3 days).</param>
/// <param name="Attempts">Attempts made so far.</param>
/// <param name="LastResponseCode">The HTTP status of the last attempt; null when it got no answer.</param>
/// <param name="LastError">Why the last attempt failed; null when it did not.</param>
/// <param name="NextAttemptAt">When the next attempt is due (pending only).</param>
/// <param name="LastAttemptAt">When it was last attempted.</param>
/// <param name="DeliveredAt">When a 2xx answer came.</param>
/// <param name="CreatedAt">When the delivery was created.</param>
public sealed record DeliveryView(long Id, Guid EventId, string EventType, string Status, int Attempts, int? LastResponseCode, string? LastError,
    DateTime? NextAttemptAt, DateTime? LastAttemptAt, DateTime? DeliveredAt, DateTime CreatedAt)
{
    public static DeliveryView From(WebhookDeliveryRow d, string type) => new(d.Id, d.EventId, type, d.Status, d.Attempts, d.LastResponseCode,
        d.LastError, d.Status == "pending" ? d.NextAttemptAt : null, d.LastAttemptAt, d.DeliveredAt, d.CreatedAt);
}
