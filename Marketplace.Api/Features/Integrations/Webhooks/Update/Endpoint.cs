using FastEndpoints;
using FluentValidation;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Integrations.Webhooks.Update;

public sealed record Request
{
    /// <summary>The endpoint's id.</summary>
    public int Id { get; init; }

    /// <summary>A new target URL (the same rules as on creation); absent to keep it.</summary>
    public string? Url { get; init; }

    /// <summary>A new list of event types; absent to keep it.</summary>
    public string[]? EventTypes { get; init; }

    /// <summary>true stops deliveries; false enables the endpoint again (also after it was disabled for failing).</summary>
    public bool? Disabled { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.Url).NotEmpty().WebhookUrl().When(r => r.Url is not null);
        RuleFor(r => r.EventTypes).EventTypeList().When(r => r.EventTypes is not null);
    }
}

public sealed class Endpoint(Db db, TimeProvider clock, WebhookTargets targets) : Endpoint<Request, WebhookEndpointView>
{
    public override void Configure()
    {
        Patch("webhook-endpoints/{id:int}");
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403).ProducesProblemDetails(404));
        Summary(s =>
        {
            s.Summary = "Update a webhook endpoint";
            s.Description = "Changes the URL, the event types or disabled (absent fields are unchanged). Enabling an endpoint that was "
                + "disabled for failing resumes its pending deliveries; failed ones can be retried one by one.";
            s.ExampleRequest = new Request { Id = 3, Disabled = false };
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        var current = await WebhookEndpoints.OwnedAsync(db, req.Id, me.Id, ct);
        if (req.Url is not null)
        {
            await WebhookEndpoints.CheckTargetAsync(targets, req.Url.Trim(), ct);
        }
        var update = db.GetTable<WebhookEndpointRow>().Where(w => w.Id == current.Id && w.UserId == me.Id)
            .Set(w => w.UpdatedAt, WebhookEndpoints.Now(clock));
        if (req.Url is not null)
        {
            update = update.Set(w => w.Url, req.Url.Trim());
        }
        if (req.EventTypes is not null)
        {
            update = update.Set(w => w.EventTypes, req.EventTypes.Distinct().ToArray());
        }
        if (req.Disabled is { } disabled)
        {
            update = update.Set(w => w.Disabled, disabled).Set(w => w.DisabledReason, disabled ? "owner" : null);
        }
        if (await update.UpdateAsync(ct) == 0)
        {
            throw ApiProblem.NotFound("webhook endpoint");
        }
        await Send.OkAsync(WebhookEndpointView.From(await WebhookEndpoints.OwnedAsync(db, req.Id, me.Id, ct)), ct);
    }
}
