using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Marketplace.Tests.Infrastructure.Stripe;

/// <summary>
/// /v1/transfers/{id} (retrieve) and /v1/transfers/{id}/reversals (create), per Stripe's API
/// reference: a reversal takes back at most what is left of the transfer (amount - amount_reversed),
/// all of it when no amount is given; parameters amount, description, metadata,
/// refund_application_fee, expand.
/// </summary>
public sealed partial class FakeStripe
{
    /// <summary>The transfer of a destination charge to its connected account.</summary>
    private string NewTransfer(string destination, long amount, string currency, string chargeId, string group)
    {
        var id = NewId("tr");
        Objects[id] = new JsonObject
        {
            ["id"] = id,
            ["object"] = "transfer",
            ["amount"] = amount,
            ["amount_reversed"] = 0L,
            ["balance_transaction"] = NewId("txn"),
            ["created"] = UnixNow(),
            ["currency"] = currency,
            ["description"] = null,
            ["destination"] = destination,
            ["destination_payment"] = NewId("py"),
            ["livemode"] = false,
            ["metadata"] = new JsonObject(),
            ["reversals"] = new JsonObject { ["object"] = "list", ["data"] = new JsonArray(), ["has_more"] = false, ["url"] = $"/v1/transfers/{id}/reversals" },
            ["reversed"] = false,
            ["source_transaction"] = chargeId,
            ["source_type"] = "card",
            ["transfer_group"] = group,
        };
        return id;
    }

    partial void MapTransfersAndEvents(RouteGroupBuilder v1)
    {
        v1.MapGet("/transfers/{id}", (HttpContext http, string id) => Retrieve(http, id, "transfer", "expand"));
        v1.MapPost("/transfers/{id}/reversals", (HttpContext http, string id) =>
        {
            var request = Current(http);
            var refused = RejectUnknown(request, "amount", "description", "metadata", "refund_application_fee", "expand")
                ?? RejectUnknownNested(request, "metadata", "metadata[*]")
                ?? CheckMetadata(request, "metadata");
            if (refused is not null)
            {
                return refused;
            }
            if (!Objects.TryGetValue(id, out var transfer) || (string?)transfer["object"] != "transfer")
            {
                return Error(404, "invalid_request_error", $"No such transfer: '{id}'", "id", "resource_missing");
            }
            if (request.Form.TryGetValue("refund_application_fee", out var flag) && flag is not ("true" or "false"))
            {
                return Error(400, "invalid_request_error", $"Invalid boolean: {flag}", "refund_application_fee");
            }
            lock (transfer)
            {
                var left = (long)transfer["amount"]! - (long)transfer["amount_reversed"]!;
                var amount = left;
                if (request.Form.ContainsKey("amount") && (!TryInteger(request, "amount", out amount) || amount < 1))
                {
                    return Error(400, "invalid_request_error", "Invalid positive integer", "amount");
                }
                if (left <= 0 || amount > left)
                {
                    return Error(400, "invalid_request_error", $"Transfer {id} has only {left} left to reverse; {amount} requested.", "amount");
                }
                var reversal = new JsonObject
                {
                    ["id"] = NewId("trr"),
                    ["object"] = "transfer_reversal",
                    ["amount"] = amount,
                    ["balance_transaction"] = NewId("txn"),
                    ["created"] = UnixNow(),
                    ["currency"] = (string)transfer["currency"]!,
                    ["destination_payment_refund"] = NewId("pyr"),
                    ["metadata"] = Metadata(request),
                    ["source_refund"] = null,
                    ["transfer"] = id,
                };
                Objects[(string)reversal["id"]!] = reversal;
                transfer["amount_reversed"] = (long)transfer["amount_reversed"]! + amount;
                transfer["reversed"] = (long)transfer["amount_reversed"]! == (long)transfer["amount"]!;
                ((JsonArray)transfer["reversals"]!["data"]!).Add(reversal.DeepClone());
                return Results.Json(reversal);
            }
        });
        MapEvents(v1);
    }

    /// <summary>FakeStripe.Events.cs: GET /v1/events.</summary>
    partial void MapEvents(RouteGroupBuilder v1);
}
