using System.Text.Json;
using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Stripe;
using Marketplace.Api.Payments.StripeEvents;

namespace Marketplace.Api.Features.Webhooks.Stripe;

public sealed class Endpoint(Db db, StripeAccess stripe, MarketplaceOptions options, TimeProvider clock, ILogger<Endpoint> logger)
    : EndpointWithoutRequest<Response>
{
    /// <summary>Stripe's events are a few KB; anything near this is not one. Above the API's 64 KB default (README: body limit).</summary>
    private const int MaxBodyBytes = 512 * 1024;

    public override void Configure()
    {
        Post("webhooks/stripe");
        AllowAnonymous();
        Options(b => b.WithMetadata(new BodyLimit(MaxBodyBytes), new HeaderParameter("Stripe-Signature", Required: true,
            "Stripe's signature of the raw body: t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<body>\" with the endpoint's signing secret> "
            + "(https://docs.stripe.com/webhooks#verify-manually); several v1 entries are allowed.")));
        Description(d => d.Accepts<EventEnvelope>("application/json")
            .ProducesProblemDetails(400).ProducesProblemDetails(413).ProducesProblemDetails(502).ProducesProblemDetails(503).ProducesProblemDetails(504));
        Summary(s =>
        {
            s.Summary = "Stripe webhook";
            s.Description = "Receives Stripe's events for the platform and the Connect endpoint. The Stripe-Signature header is verified "
                + "against every configured signing secret of both endpoints, old and new while one is rolled (5-minute tolerance); a bad one is 400 invalid_signature and changes nothing. Each event "
                + "is recorded by id and applied in the same database transaction; a repeated event is answered 200 (duplicate) and "
                + "changes nothing; unknown types are recorded and answered 200. A signed event that cannot be stored as it is (not UTF-8, "
                + "a NUL, created out of range, an id longer than 255) is 400 invalid_payload. 502 when Stripe could not be asked for the "
                + "charge, 503/504 stripe_unavailable (Retry-After) when Stripe is busy or too slow: nothing is recorded and Stripe "
                + "retries the delivery. Bodies up to 512 KB (413 payload_too_large above). Handled event types: "
                + string.Join(", ", EventEnvelope.HandledTypes) + ".";
        });
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var secrets = options.Stripe.SigningSecrets();
        if (secrets.Count == 0)
        {
            throw new ApiProblem(StatusCodes.Status503ServiceUnavailable, "stripe_not_configured", "Webhooks unavailable",
                "No webhook signing secret is configured (Marketplace:Stripe:WebhookSecret(s) / ConnectWebhookSecret(s)).");
        }

        var body = await ReadBodyAsync(ct);
        if (!Signature.IsValid(HttpContext.Request.Headers["Stripe-Signature"].ToString(), body, secrets, clock.GetUtcNow()))
        {
            throw ApiProblem.BadRequest("invalid_signature", "The Stripe-Signature header does not verify against this endpoint's secrets.");
        }

        // signed yet malformed (bad UTF-8, NUL, an id longer than its column, a time out of range): refused, never a 500
        using var json = System.Text.Unicode.Utf8.IsValid(body) ? ParseOrNull(body) : null;
        var evt = json is null ? null : StripeEvent.Parse(json.RootElement);
        if (evt is null)
        {
            logger.LogWarning("Signed Stripe webhook refused as invalid_payload ({Bytes} bytes, event {EventId})", body.Length,
                json is not null && StripeEvent.Str(json.RootElement, "id") is { Length: <= 255 } id && !id.Contains('\0', StringComparison.Ordinal) ? id : "unknown");
            throw ApiProblem.BadRequest("invalid_payload", "The body is not a Stripe event the API can store.");
        }

        // the very same processing as the reconciliation's (Payments/StripeEvents/Reconciliation.cs): whichever comes first applies the event, once
        var result = await new Processing(db, stripe, options, clock, logger).ProcessAsync(evt, System.Text.Encoding.UTF8.GetString(body), ct);
        await Send.OkAsync(new Response(true, result.Duplicate, result.Outcome), ct);
    }

    private async Task<byte[]> ReadBodyAsync(CancellationToken ct)
    {
        if (HttpContext.Request.ContentLength > MaxBodyBytes)
        {
            throw new ApiProblem(StatusCodes.Status413PayloadTooLarge, "payload_too_large", "Payload too large", "A Stripe event is far smaller.");
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await HttpContext.Request.Body.ReadAsync(chunk, ct)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBodyBytes)
            {
                throw new ApiProblem(StatusCodes.Status413PayloadTooLarge, "payload_too_large", "Payload too large", "A Stripe event is far smaller.");
            }
        }
        return buffer.ToArray();
    }

    private static JsonDocument? ParseOrNull(byte[] body)
    {
        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
