using System.Text.Json.Nodes;

namespace Marketplace.Tests.Infrastructure.Stripe;

/// <summary>
/// Stripe's events as the app receives them: <see cref="Event"/> builds an event envelope (API
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
}
