using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Marketplace.Tests.Infrastructure.Stripe;

/// <summary>
/// /v1/payment_intents, /v1/charges and /v1/balance_transactions (retrieve, with expand) and
/// /v1/refunds (create, retrieve), per Stripe's API reference. Refunds check what a destination
/// charge allows: reverse_transfer only when the charge made a transfer, refund_application_fee
/// only when it had an application fee, an amount no larger than what is left to refund.
/// </summary>
public sealed partial class FakeStripe
{
    /// <summary>Which fields of each object type can be expanded, and the type they expand to.</summary>
    private static readonly Dictionary<string, Dictionary<string, string>> Expandable = new()
    {
        ["payment_intent"] = new() { ["latest_charge"] = "charge", ["customer"] = "customer" },
        ["charge"] = new() { ["balance_transaction"] = "balance_transaction", ["payment_intent"] = "payment_intent", ["customer"] = "customer", ["transfer"] = "transfer" },
        ["transfer"] = new() { ["balance_transaction"] = "balance_transaction" },
        ["refund"] = new() { ["charge"] = "charge", ["balance_transaction"] = "balance_transaction", ["payment_intent"] = "payment_intent" },
        ["checkout.session"] = new() { ["payment_intent"] = "payment_intent", ["customer"] = "customer" },
        ["balance_transaction"] = new(),
    };

    partial void MapPaymentsAndRefunds(RouteGroupBuilder v1)
    {
        v1.MapGet("/payment_intents/{id}", (HttpContext http, string id) => Retrieve(http, id, "payment_intent", "expand", "client_secret"));
        v1.MapGet("/charges/{id}", (HttpContext http, string id) => Retrieve(http, id, "charge", "expand"));
        v1.MapGet("/balance_transactions/{id}", (HttpContext http, string id) => Retrieve(http, id, "balance_transaction", "expand"));
        v1.MapGet("/refunds/{id}", (HttpContext http, string id) => Retrieve(http, id, "refund", "expand"));

        v1.MapPost("/refunds", (HttpContext http) =>
        {
            var request = Current(http);
            var refused = RequireIdempotencyKey(request)
                ?? RejectUnknown(request, "amount", "charge", "currency", "customer", "instructions_email", "metadata", "origin",
                    "payment_intent", "reason", "refund_application_fee", "reverse_transfer", "expand")
                ?? RejectUnknownNested(request, "metadata", "metadata[*]")
                ?? CheckMetadata(request, "metadata");
            if (refused is not null)
            {
                return refused;
            }
            var form = request.Form;
            string? chargeId = form.GetValueOrDefault("charge");
            if (chargeId is null && form.TryGetValue("payment_intent", out var piId))
            {
                chargeId = Objects.TryGetValue(piId, out var intent) ? (string?)intent["latest_charge"] : null;
                if (chargeId is null)
                {
                    return Error(400, "invalid_request_error", $"No such payment_intent: '{piId}'", "payment_intent", "resource_missing");
                }
            }
            if (chargeId is null)
            {
                return Error(400, "invalid_request_error", "One of the following params should be provided for this request: payment_intent or charge.");
            }
            if (!Objects.TryGetValue(chargeId, out var charge) || (string?)charge["object"] != "charge")
            {
                return Error(400, "invalid_request_error", $"No such charge: '{chargeId}'", "charge", "resource_missing");
            }
            foreach (var flag in new[] { "reverse_transfer", "refund_application_fee" })
            {
                if (form.TryGetValue(flag, out var value) && value is not ("true" or "false"))
                {
                    return Error(400, "invalid_request_error", $"Invalid boolean: {value}", flag);
                }
            }
            if (form.GetValueOrDefault("reverse_transfer") == "true" && charge["transfer"] is null)
            {
                return Error(400, "invalid_request_error", "You cannot reverse the transfer of a charge that has no transfer.", "reverse_transfer");
            }
            if (form.GetValueOrDefault("refund_application_fee") == "true" && charge["application_fee"] is null)
            {
                return Error(400, "invalid_request_error", "This charge has no application fee to refund.", "refund_application_fee");
            }
            if (form.TryGetValue("reason", out var reason) && reason is not ("duplicate" or "fraudulent" or "requested_by_customer"))
            {
                return Error(400, "invalid_request_error", "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer", "reason");
            }

            lock (charge)
            {
                var captured = (long)charge["amount_captured"]!;
                var refunded = (long)charge["amount_refunded"]!;
                var amount = captured - refunded;
                if (form.ContainsKey("amount") && (!TryInteger(request, "amount", out amount) || amount < 1))
                {
                    return Error(400, "invalid_request_error", "Invalid positive integer", "amount");
                }
                if (refunded >= captured)
                {
                    return Error(400, "invalid_request_error", $"Charge {chargeId} has already been refunded.", null, "charge_already_refunded");
                }
                if (amount > captured - refunded)
                {
                    return Error(400, "invalid_request_error", $"Refund amount ({amount}) is greater than unrefunded amount on charge ({captured - refunded})", "amount");
                }
                var refund = NewRefund(charge, amount, Metadata(request), reason, form.GetValueOrDefault("reverse_transfer") == "true");
                return Results.Json(ExpandObject(refund, Expansions(request)) ?? refund);
            }
        });
    }

    /// <summary>A refund made outside the app (Stripe Dashboard), e.g. to test the charge.refunded webhook on its own.</summary>
    public JsonObject RefundOutOfBand(string chargeId, long amount)
    {
        var charge = Objects[chargeId];
        lock (charge)
        {
            NewRefund(charge, amount, new JsonObject(), null, charge["transfer"] is not null);
            return (JsonObject)charge.DeepClone();
        }
    }

    /// <summary>The charge as Stripe holds it now (e.g. for a charge.refunded event).</summary>
    public JsonObject Charge(string chargeId) => (JsonObject)Objects[chargeId].DeepClone();

    private JsonObject NewRefund(JsonObject charge, long amount, JsonObject metadata, string? reason, bool reverseTransfer)
    {
        var id = NewId("re");
        var refunded = (long)charge["amount_refunded"]! + amount;
        charge["amount_refunded"] = refunded;
        charge["refunded"] = refunded == (long)charge["amount_captured"]!;
        if (reverseTransfer && (string?)charge["transfer"] is { } transferId && Objects.TryGetValue(transferId, out var transfer))
        {
            // a destination charge's refund with reverse_transfer takes back the transfer in proportion (Stripe: "Refunding a destination charge")
            lock (transfer)
            {
                var share = amount * (long)transfer["amount"]! / (long)charge["amount"]!;
                transfer["amount_reversed"] = Math.Min((long)transfer["amount"]!, (long)transfer["amount_reversed"]! + share);
                transfer["reversed"] = (long)transfer["amount_reversed"]! == (long)transfer["amount"]!;
            }
        }
        var refund = new JsonObject
        {
            ["id"] = id,
            ["object"] = "refund",
            ["amount"] = amount,
            ["balance_transaction"] = NewId("txn"),
            ["charge"] = (string)charge["id"]!,
            ["created"] = UnixNow(),
            ["currency"] = (string)charge["currency"]!,
            ["destination_details"] = new JsonObject
            {
                ["card"] = new JsonObject { ["reference"] = null, ["reference_status"] = "pending", ["reference_type"] = "acquirer_reference_number", ["type"] = "refund" },
                ["type"] = "card",
            },
            ["metadata"] = metadata,
            ["payment_intent"] = (string?)charge["payment_intent"],
            ["reason"] = reason,
            ["receipt_number"] = null,
            ["source_transfer_reversal"] = null,
            ["status"] = "succeeded",
            ["transfer_reversal"] = reverseTransfer ? NewId("trr") : null,
        };
        Objects[id] = refund;
        return refund;
    }

    private IResult Retrieve(HttpContext http, string id, string type, params string[] allowed)
    {
        var request = Current(http);
        if (RejectUnknown(request, allowed) is { } refused)
        {
            return refused;
        }
        if (!Objects.TryGetValue(id, out var obj) || (string?)obj["object"] != type)
        {
            return Error(404, "invalid_request_error", $"No such {type}: '{id}'", "id", "resource_missing");
        }
        lock (obj)
        {
            var expanded = ExpandObject(obj, Expansions(request));
            return expanded is null
                ? Error(400, "invalid_request_error", $"This property cannot be expanded ({string.Join(", ", Expansions(request))}).", "expand")
                : Results.Json(expanded);
        }
    }

    /// <summary>A copy of the object with the expand[] paths (dotted, up to 4 levels, as Stripe allows) replaced by objects; null when a path is not expandable.</summary>
    private JsonObject? ExpandObject(JsonObject obj, IReadOnlyList<string> paths)
    {
        var copy = (JsonObject)obj.DeepClone();
        foreach (var path in paths)
        {
            var parts = path.Split('.');
            if (parts.Length > 4)
            {
                return null;
            }
            var current = copy;
            foreach (var field in parts)
            {
                var type = (string)current["object"]!;
                if (!Expandable.TryGetValue(type, out var fields) || !fields.ContainsKey(field))
                {
                    return null;
                }
                switch (current[field])
                {
                    case JsonValue value when value.TryGetValue<string>(out var refId) && Objects.TryGetValue(refId, out var target):
                        var clone = (JsonObject)target.DeepClone();
                        current[field] = clone;
                        current = clone;
                        break;
                    case JsonObject already:
                        current = already;
                        break;
                    default:
                        goto nextPath; // null stays null, as with Stripe
                }
            }
        nextPath:;
        }
        return copy;
    }
}
