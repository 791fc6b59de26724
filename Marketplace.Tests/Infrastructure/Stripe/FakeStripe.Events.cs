using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Marketplace.Tests.Infrastructure.Stripe;

/// <summary>
/// Stripe's events: <c>GET /v1/events</c> lists the events published here (<see cref="Publish"/>),
/// newest first, as Stripe's API reference describes it: <c>created</c> filters (gt, gte, lt, lte),
/// <c>limit</c> 1-100 (default 10), <c>starting_after</c> / <c>ending_before</c> cursors, <c>type</c>,
/// <c>types[]</c>, <c>has_more</c>; with a <c>Stripe-Account</c> header the events of that connected
/// account, without one the platform's own. Stripe events as the app receives them: <see cref="Event"/> builds an event envelope (API
/// version 2026-10-28.endive) around an object as Stripe holds it, for the tests to deliver by webhook.
/// </summary>
public sealed partial class FakeStripe
{
    public const string ApiVersion = "2026-10-28.endive";

    /// <summary>An event of this type about this object (a connected account's event carries <paramref name="account"/>).</summary>
    public static string Event(string type, JsonObject obj, string? account = null, string? eventId = null, long? created = null)
    {
        var evt = new JsonObject
        {
            ["id"] = eventId ?? NewId("evt"),
            ["object"] = "event",
            ["api_version"] = ApiVersion,
            ["created"] = created ?? UnixNow(),
            ["data"] = new JsonObject { ["object"] = obj.DeepClone() },
            ["livemode"] = false,
            ["pending_webhooks"] = 1,
            ["request"] = new JsonObject { ["id"] = null, ["idempotency_key"] = null },
            ["type"] = type,
        };
        if (account is not null)
        {
            evt["account"] = account;
        }
        return evt.ToJsonString();
    }

    /// <summary>
    /// The refund fails after it was made (Stripe: a refund's status may become <c>failed</c> or
    /// <c>canceled</c>, with a failure_reason; the charge's amount_refunded gives the amount back).
    /// Returns the refund as Stripe holds it then (the object of charge.refund.updated).
    /// </summary>
    public JsonObject FailRefund(string refundId, string status = "failed", string reason = "expired_or_canceled_card")
    {
        var refund = Objects[refundId];
        var charge = Objects[(string)refund["charge"]!];
        lock (charge)
        {
            if ((string?)refund["status"] is "succeeded" or "pending")
            {
                refund["status"] = status;
                refund["failure_reason"] = reason;
                refund["failure_balance_transaction"] = NewId("txn");
                charge["amount_refunded"] = (long)charge["amount_refunded"]! - (long)refund["amount"]!;
                charge["refunded"] = false;
            }
            return (JsonObject)refund.DeepClone();
        }
    }

    private readonly List<JsonObject> published = [];

    /// <summary>Stripe has this event (listed by GET /v1/events), whether or not the webhook delivers it. Returns it unchanged.</summary>
    public string Publish(string eventJson)
    {
        var evt = (JsonObject)JsonNode.Parse(eventJson)!;
        lock (published)
        {
            published.Add(evt);
        }
        return eventJson;
    }

    partial void MapEvents(RouteGroupBuilder v1)
    {
        v1.MapGet("/events", (HttpContext http) =>
        {
            var request = Current(http);
            if (RejectUnknown(request, "created", "delivery_success", "ending_before", "limit", "starting_after", "type", "types") is { } refused)
            {
                return refused;
            }
            var form = request.Form;
            foreach (var key in form.Keys.Where(k => k.StartsWith("created", StringComparison.Ordinal)))
            {
                if (key is not ("created" or "created[gt]" or "created[gte]" or "created[lt]" or "created[lte]") || !long.TryParse(form[key], out _))
                {
                    return Error(400, "invalid_request_error", $"Invalid integer: {form[key]}", key);
                }
            }
            var limit = 10L;
            if (form.ContainsKey("limit") && (!TryInteger(request, "limit", out limit) || limit is < 1 or > 100))
            {
                return Error(400, "invalid_request_error", "Invalid integer: limit must be between 1 and 100", "limit");
            }
            if (form.ContainsKey("starting_after") && form.ContainsKey("ending_before"))
            {
                return Error(400, "invalid_request_error", "You may only specify one of these parameters: ending_before, starting_after.");
            }
            List<JsonObject> all;
            lock (published)
            {
                // newest first (Stripe: "sorted by creation date, with the most recent appearing first")
                all = [.. published.Select((e, i) => (e, i)).OrderByDescending(x => (long)x.e["created"]!).ThenByDescending(x => x.i).Select(x => x.e)];
            }
            long? Bound(string name) => form.TryGetValue(name, out var v) ? long.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : null;
            var matching = all.Where(e =>
            {
                var created = (long)e["created"]!;
                var types = form.Where(p => p.Key.StartsWith("types[", StringComparison.Ordinal)).Select(p => p.Value).ToList();
                return (string?)e["account"] == request.StripeAccount
                    && (Bound("created") is not { } eq || created == eq)
                    && (Bound("created[gt]") is not { } gt || created > gt) && (Bound("created[gte]") is not { } gte || created >= gte)
                    && (Bound("created[lt]") is not { } lt || created < lt) && (Bound("created[lte]") is not { } lte || created <= lte)
                    && (!form.TryGetValue("type", out var type) || (string?)e["type"] == type)
                    && (types.Count == 0 || types.Contains((string)e["type"]!));
            }).ToList();
            if (form.TryGetValue("starting_after", out var afterId))
            {
                var at = matching.FindIndex(e => (string?)e["id"] == afterId);
                if (at < 0)
                {
                    return Error(400, "invalid_request_error", $"No such event: '{afterId}'", "starting_after", "resource_missing");
                }
                matching = matching[(at + 1)..];
            }
            else if (form.TryGetValue("ending_before", out var beforeId))
            {
                var at = matching.FindIndex(e => (string?)e["id"] == beforeId);
                if (at < 0)
                {
                    return Error(400, "invalid_request_error", $"No such event: '{beforeId}'", "ending_before", "resource_missing");
                }
                matching = matching[Math.Max(0, at - (int)limit)..at];
            }
            var page = matching.Take((int)limit).Select(e => e.DeepClone()).ToArray();
            return Results.Json(new JsonObject
            {
                ["object"] = "list",
                ["data"] = new JsonArray(page),
                ["has_more"] = matching.Count > limit,
                ["url"] = "/v1/events",
            });
        });
    }
}
