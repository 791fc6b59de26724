using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Marketplace.Tests.Infrastructure.Stripe;

/// <summary>/v1/customers (create, retrieve), per Stripe's API reference "Create a customer".</summary>
public sealed partial class FakeStripe
{
    partial void MapCustomers(RouteGroupBuilder v1)
    {
        v1.MapPost("/customers", (HttpContext http) =>
        {
            var request = Current(http);
            var refused = RequireIdempotencyKey(request)
                ?? RejectUnknown(request, "address", "balance", "business_name", "description", "email", "individual_name",
                    "invoice_prefix", "metadata", "name", "next_invoice_sequence", "payment_method", "phone", "plan", "shipping",
                    "source", "tax", "tax_exempt", "validate", "expand", "cash_balance", "invoice_settings", "preferred_locales",
                    "tax_id_data", "test_clock")
                ?? CheckMetadata(request, "metadata");
            if (refused is not null)
            {
                return refused;
            }
            if (request.Form.TryGetValue("email", out var email) && (email.Length > 512 || !email.Contains('@', StringComparison.Ordinal)))
            {
                return Error(400, "invalid_request_error", "Invalid email address: " + email, "email", "email_invalid");
            }
            var id = NewId("cus");
            var customer = new JsonObject
            {
                ["id"] = id,
                ["object"] = "customer",
                ["address"] = null,
                ["balance"] = 0,
                ["created"] = UnixNow(),
                ["currency"] = null,
                ["default_source"] = null,
                ["delinquent"] = false,
                ["description"] = request.Form.GetValueOrDefault("description"),
                ["email"] = request.Form.GetValueOrDefault("email"),
                ["invoice_prefix"] = id[4..12].ToUpperInvariant(),
                ["invoice_settings"] = new JsonObject { ["custom_fields"] = null, ["default_payment_method"] = null, ["footer"] = null, ["rendering_options"] = null },
                ["livemode"] = false,
                ["metadata"] = Metadata(request),
                ["name"] = request.Form.GetValueOrDefault("name"),
                ["next_invoice_sequence"] = 1,
                ["phone"] = request.Form.GetValueOrDefault("phone"),
                ["preferred_locales"] = new JsonArray(),
                ["shipping"] = null,
                ["tax_exempt"] = "none",
                ["test_clock"] = null,
            };
            Objects[id] = customer;
            return Results.Json(customer);
        });

        v1.MapGet("/customers/{id}", (string id) =>
            Objects.TryGetValue(id, out var customer) && (string?)customer["object"] == "customer"
                ? Results.Json(customer)
                : Error(404, "invalid_request_error", $"No such customer: '{id}'", "id", "resource_missing"));
    }

    /// <summary>Our rule for the tests: every create the app sends carries an Idempotency-Key (STYLE: Stripe calls are idempotent).</summary>
    public static IResult? RequireIdempotencyKey(StripeRequest request) =>
        string.IsNullOrEmpty(request.IdempotencyKey)
            ? Error(400, "invalid_request_error", "Test server: this create must carry an Idempotency-Key header.")
            : null;

    /// <summary>
    /// Refuses nested parameters outside the documented shape. Patterns are full parameter names
    /// where <c>[*]</c> stands for any list index or map key: <c>line_items[*][price_data][currency]</c>,
    /// <c>metadata[*]</c>.
    /// </summary>
    public static IResult? RejectUnknownNested(StripeRequest request, string prefix, params string[] patterns)
    {
        var regexes = patterns.Select(p => new Regex("^" + Regex.Escape(p).Replace(@"\[\*]", @"\[[^\[\]]+]", StringComparison.Ordinal) + "$")).ToArray();
        foreach (var key in request.Form.Keys.Where(k => k == prefix || k.StartsWith(prefix + "[", StringComparison.Ordinal)))
        {
            if (!regexes.Any(r => r.IsMatch(key)))
            {
                return Error(400, "invalid_request_error", $"Received unknown parameter: {key}", key);
            }
        }
        return null;
    }

    /// <summary>Stripe's metadata limits: at most 50 keys, keys up to 40 characters, values up to 500.</summary>
    public static IResult? CheckMetadata(StripeRequest request, string prefix)
    {
        var entries = request.Form.Where(p => p.Key.StartsWith(prefix + "[", StringComparison.Ordinal) && p.Key.EndsWith(']')).ToList();
        if (entries.Count > 50)
        {
            return Error(400, "invalid_request_error", "Metadata can have up to 50 keys.", prefix);
        }
        foreach (var (key, value) in entries)
        {
            var name = key[(prefix.Length + 1)..^1];
            if (name.Length > 40 || name.Contains('[', StringComparison.Ordinal))
            {
                return Error(400, "invalid_request_error", $"Metadata keys can be up to 40 characters: {name}", key);
            }
            if (value.Length > 500)
            {
                return Error(400, "invalid_request_error", $"Metadata values can be up to 500 characters: {name}", key);
            }
        }
        return null;
    }

    /// <summary>A non-negative integer parameter, as Stripe parses amounts.</summary>
    public static bool TryInteger(StripeRequest request, string name, out long value)
    {
        value = 0;
        return request.Form.TryGetValue(name, out var raw) && long.TryParse(raw, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value);
    }

    /// <summary>The expand[] values of a request (expand[0]=..., expand[]=...).</summary>
    public static IReadOnlyList<string> Expansions(StripeRequest request) =>
        [.. request.Form.Where(p => p.Key.StartsWith("expand[", StringComparison.Ordinal)).Select(p => p.Value)];
}
