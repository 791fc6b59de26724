using FastEndpoints;
using FluentValidation;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Integrations.Webhooks.Create;

public sealed record Request
{
    /// <summary>Where to POST events: https (http only in Development); never an internal address.</summary>
    public string? Url { get; init; }

    /// <summary>The event types to deliver (see GET /events).</summary>
    public string[]? EventTypes { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.Url).NotEmpty().WebhookUrl();
        RuleFor(r => r.EventTypes).EventTypeList();
    }
}

public sealed class Endpoint(Db db, TimeProvider clock, WebhookSecrets secrets, WebhookTargets targets) : Endpoint<Request, WebhookEndpointView>
{
    public override void Configure()
    {
        Post("webhook-endpoints");
        Description(d => d.ClearDefaultProduces(200).Produces<WebhookEndpointView>(201, "application/json")
            .ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403).ProducesProblemDetails(409));
        Summary(s =>
        {
            s.Summary = "Create a webhook endpoint";
            s.Description = "Events of the chosen types on resources the caller is a party to are POSTed to the URL (Standard Webhooks "
                + "signatures, at least once, retried for 3 days). The answer shows the signing secret once. 400 url_not_allowed for "
                + "http (outside Development) or a URL resolving to a loopback, private or link-local address; at most 10 endpoints "
                + "(409 too_many_webhook_endpoints).";
            s.ExampleRequest = new Request { Url = "https://example.com/hooks/marketplace", EventTypes = ["transaction.paid", "invoice.paid"] };
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        var url = req.Url!.Trim();
        await WebhookEndpoints.CheckTargetAsync(targets, url, ct);
        var secret = WebhookSecrets.NewSecret();
        var now = WebhookEndpoints.Now(clock);
        var row = new WebhookEndpointRow
        {
            UserId = me.Id,
            Url = url,
            EventTypes = req.EventTypes!.Distinct().ToArray(),
            SecretEncrypted = secrets.Encrypt(secret),
            CreatedAt = now,
            UpdatedAt = now,
        };
        await using (var tx = await db.BeginTransactionAsync(ct))
        {
            // the user's row serialises concurrent creations, so the limit holds
            await Pg.ExecuteAsync(db, "SELECT 1 FROM marketplace.users WHERE id = $1 FOR NO KEY UPDATE", ct, Pg.P(me.Id));
            if (await db.GetTable<WebhookEndpointRow>().CountAsync(w => w.UserId == me.Id, ct) >= WebhookEndpoints.MaxPerUser)
            {
                throw ApiProblem.Conflict("too_many_webhook_endpoints", $"At most {WebhookEndpoints.MaxPerUser} webhook endpoints; delete one first.");
            }
            row.Id = await db.InsertWithInt32IdentityAsync(row, token: ct);
            await tx.CommitAsync(ct);
        }
        HttpContext.Response.Headers.Location = $"/{Infrastructure.Api.RoutePrefix}/webhook-endpoints/{row.Id}";
        await Send.ResponseAsync(WebhookEndpointView.From(row, secret), StatusCodes.Status201Created, ct);
    }
}
