using FastEndpoints;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Integrations.Webhooks.RotateSecret;

public sealed record Request
{
    /// <summary>The endpoint's id.</summary>
    public int Id { get; init; }
}

public sealed class Endpoint(Db db, TimeProvider clock, WebhookSecrets secrets) : Endpoint<Request, WebhookEndpointView>
{
    /// <summary>How long the replaced secret keeps signing, so the receiver can switch without missing a delivery.</summary>
    public static readonly TimeSpan Overlap = TimeSpan.FromHours(24);

    public override void Configure()
    {
        Post("webhook-endpoints/{id:int}/rotate-secret");
        Description(d => d.ProducesProblemDetails(401).ProducesProblemDetails(403).ProducesProblemDetails(404));
        Summary(s =>
        {
            s.Summary = "Rotate a webhook endpoint's secret";
            s.Description = "A new signing secret, shown in this answer only. For 24 hours deliveries carry two signatures (new and old "
                + "secret) in webhook-signature, so the receiver can switch without missing one.";
            s.ExampleRequest = new Request { Id = 3 };
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        var current = await WebhookEndpoints.OwnedAsync(db, req.Id, me.Id, ct);
        var secret = WebhookSecrets.NewSecret();
        var now = WebhookEndpoints.Now(clock);
        // compare-and-set on the secret read: two concurrent rotations cannot both keep "their" previous one
        var rotated = await db.GetTable<WebhookEndpointRow>().Where(w => w.Id == current.Id && w.UserId == me.Id && w.SecretEncrypted == current.SecretEncrypted)
            .Set(w => w.PreviousSecretEncrypted, current.SecretEncrypted)
            .Set(w => w.PreviousSecretExpiresAt, now + Overlap)
            .Set(w => w.SecretEncrypted, secrets.Encrypt(secret))
            .Set(w => w.UpdatedAt, now)
            .UpdateAsync(ct);
        if (rotated == 0)
        {
            throw ApiProblem.Conflict("concurrent_change", "The secret was rotated meanwhile; rotate again if you need a secret you know.");
        }
        await Send.OkAsync(WebhookEndpointView.From(await WebhookEndpoints.OwnedAsync(db, req.Id, me.Id, ct), secret), ct);
    }
}
