using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Marketplace.Tests.Infrastructure.Stripe;

/// <summary>
/// Connect accounts as Stripe's API reference describes them: POST /v1/accounts, GET
/// /v1/accounts/{id}, POST /v1/account_links and POST /v1/accounts/{id}/login_links. A new Express
/// account cannot take charges or payouts until the test says onboarding finished
/// (<see cref="CompleteOnboarding"/>), as a real one waits for its owner to fill Stripe's forms.
/// </summary>
public sealed partial class FakeStripe
{
    private static readonly string[] AccountTypes = ["standard", "express", "custom"];
    private static readonly string[] InitiallyDue = ["business_profile.mcc", "business_profile.url", "external_account", "individual.dob.day", "tos_acceptance.date", "tos_acceptance.ip"];

    /// <summary>
    /// What Stripe reports once the owner finished onboarding: details submitted, requirements met,
    /// and (by default) charges and payouts enabled with active capabilities.
    /// </summary>
    public JsonObject CompleteOnboarding(string accountId, bool chargesEnabled = true, bool payoutsEnabled = true)
    {
        var account = Objects[accountId];
        lock (account)
        {
            account["details_submitted"] = true;
            account["charges_enabled"] = chargesEnabled;
            account["payouts_enabled"] = payoutsEnabled;
            foreach (var capability in account["capabilities"]!.AsObject().Select(c => c.Key).ToList())
            {
                account["capabilities"]![capability] = chargesEnabled ? "active" : "pending";
            }
            account["requirements"] = Requirements(chargesEnabled && payoutsEnabled ? [] : ["individual.verification.document"],
                chargesEnabled && payoutsEnabled ? null : "requirements.pending_verification");
            account["tos_acceptance"] = new JsonObject { ["date"] = UnixNow(), ["ip"] = "127.0.0.1", ["user_agent"] = "Mozilla/5.0" };
            return account.DeepClone().AsObject();
        }
    }

    partial void MapAccounts(RouteGroupBuilder v1)
    {
        v1.MapPost("/accounts", (HttpContext http) => CreateAccount(Current(http)));
        v1.MapGet("/accounts/{id}", (string id, HttpContext http) =>
            RejectUnknown(Current(http), "expand") ?? (Objects.TryGetValue(id, out var account) && id.StartsWith("acct_", StringComparison.Ordinal)
                ? Results.Json(Snapshot(account))
                : NoSuchAccount(id)));
        v1.MapPost("/account_links", (HttpContext http) => CreateAccountLink(Current(http)));
        v1.MapPost("/accounts/{id}/login_links", (string id, HttpContext http) => CreateLoginLink(id, Current(http)));
    }

    private IResult CreateAccount(StripeRequest request)
    {
        if (RejectUnknown(request, "account_token", "bank_account", "business_profile", "business_type", "capabilities", "company",
                "controller", "country", "default_currency", "documents", "email", "expand", "external_account", "groups",
                "individual", "metadata", "settings", "tos_acceptance", "type") is { } unknown)
        {
            return unknown;
        }
        if (request.IdempotencyKey is null)
        {
            return Error(400, "invalid_request_error", "This fake requires an Idempotency-Key on account creation: a retry must not create a second account.");
        }
        var type = request.Form.GetValueOrDefault("type");
        if (type is null && !request.Form.Keys.Any(k => k.StartsWith("controller[", StringComparison.Ordinal)))
        {
            return Error(400, "invalid_request_error", "You must provide either `type` or `controller`.", "type");
        }
        if (type is not null && !AccountTypes.Contains(type))
        {
            return Error(400, "invalid_request_error", $"Invalid type: must be one of {string.Join(", ", AccountTypes)}", "type");
        }
        var country = request.Form.GetValueOrDefault("country", "US");
        if (country.Length != 2 || !country.All(char.IsAsciiLetterUpper))
        {
            return Error(400, "invalid_request_error", "Invalid country.", "country");
        }

        var capabilities = new JsonObject();
        foreach (var (key, value) in request.Form.Where(p => p.Key.StartsWith("capabilities[", StringComparison.Ordinal)))
        {
            // capabilities[card_payments][requested]=true
            var parts = key.Split(['[', ']'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 3 || parts[2] != "requested" || value is not ("true" or "false"))
            {
                return Error(400, "invalid_request_error", $"Invalid capabilities parameter: {key}", key);
            }
            if (value == "true")
            {
                capabilities[parts[1]] = "inactive";
            }
        }
        if (type == "express" && country == "US" && !capabilities.ContainsKey("transfers"))
        {
            return Error(400, "invalid_request_error", "Express accounts in the US must request the transfers capability.", "capabilities");
        }

        var id = NewId("acct");
        var account = new JsonObject
        {
            ["id"] = id,
            ["object"] = "account",
            ["business_profile"] = new JsonObject
            {
                ["mcc"] = null, ["name"] = request.Form.GetValueOrDefault("business_profile[name]"), ["product_description"] = null,
                ["support_address"] = null, ["support_email"] = null, ["support_phone"] = null, ["support_url"] = null,
                ["url"] = request.Form.GetValueOrDefault("business_profile[url]"),
            },
            ["business_type"] = request.Form.GetValueOrDefault("business_type"),
            ["capabilities"] = capabilities,
            ["charges_enabled"] = false,
            ["controller"] = new JsonObject
            {
                ["fees"] = new JsonObject { ["payer"] = "application_express" },
                ["is_controller"] = true,
                ["losses"] = new JsonObject { ["payments"] = "application" },
                ["requirement_collection"] = "stripe",
                ["stripe_dashboard"] = new JsonObject { ["type"] = type ?? "express" },
                ["type"] = "application",
            },
            ["country"] = country,
            ["created"] = UnixNow(),
            ["default_currency"] = "usd",
            ["details_submitted"] = false,
            ["email"] = request.Form.GetValueOrDefault("email"),
            ["external_accounts"] = new JsonObject
            {
                ["object"] = "list", ["data"] = new JsonArray(), ["has_more"] = false, ["total_count"] = 0,
                ["url"] = $"/v1/accounts/{id}/external_accounts",
            },
            ["future_requirements"] = Requirements([], null),
            ["metadata"] = Metadata(request),
            ["payouts_enabled"] = false,
            ["requirements"] = Requirements(InitiallyDue, "requirements.past_due"),
            ["settings"] = new JsonObject
            {
                ["payouts"] = new JsonObject
                {
                    ["debit_negative_balances"] = true,
                    ["schedule"] = new JsonObject { ["delay_days"] = 2, ["interval"] = "daily" },
                    ["statement_descriptor"] = null,
                },
            },
            ["tos_acceptance"] = new JsonObject { ["date"] = null, ["ip"] = null, ["user_agent"] = null },
            ["type"] = type ?? "express",
        };
        Objects[id] = account;
        return Results.Json(Snapshot(account));
    }

    private IResult CreateAccountLink(StripeRequest request)
    {
        if ((RejectUnknown(request, "account", "collect", "collection_options", "expand", "refresh_url", "return_url", "type")
             ?? RequireParams(request, "account", "type")) is { } invalid)
        {
            return invalid;
        }
        var accountId = request.Form["account"];
        var type = request.Form["type"];
        if (type is not ("account_onboarding" or "account_update"))
        {
            return Error(400, "invalid_request_error", "Invalid type: must be one of account_onboarding or account_update", "type");
        }
        if (type == "account_onboarding" && RequireParams(request, "refresh_url", "return_url") is { } missing)
        {
            return missing;
        }
        foreach (var name in new[] { "refresh_url", "return_url" })
        {
            if (request.Form.TryGetValue(name, out var url) && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            {
                return Error(400, "invalid_request_error", $"Not a valid URL: {name}", name);
            }
        }
        if (!Objects.ContainsKey(accountId))
        {
            return Error(400, "invalid_request_error", $"No such account: '{accountId}'", "account", "resource_missing");
        }
        var created = UnixNow();
        return Results.Json(new JsonObject
        {
            ["object"] = "account_link",
            ["created"] = created,
            ["expires_at"] = created + 300,
            ["url"] = $"https://connect.stripe.com/setup/e/{accountId}/{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(9))}",
        });
    }

    private IResult CreateLoginLink(string accountId, StripeRequest request)
    {
        if (RejectUnknown(request, "expand") is { } unknown)
        {
            return unknown;
        }
        if (!Objects.TryGetValue(accountId, out var account))
        {
            return NoSuchAccount(accountId);
        }
        lock (account)
        {
            if (account["type"]?.GetValue<string>() != "express")
            {
                return Error(400, "invalid_request_error", "Login links can only be created for Express accounts.");
            }
            if (account["details_submitted"]?.GetValue<bool>() != true)
            {
                return Error(400, "invalid_request_error", "Cannot create a login link for an account that has not completed onboarding.");
            }
        }
        return Results.Json(new JsonObject
        {
            ["object"] = "login_link",
            ["created"] = UnixNow(),
            ["url"] = $"https://connect.stripe.com/express/{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12))}",
        });
    }

    private static JsonObject Requirements(IEnumerable<string> due, string? disabledReason) => new()
    {
        ["alternatives"] = new JsonArray(),
        ["current_deadline"] = null,
        ["currently_due"] = new JsonArray([.. due.Select(d => (JsonNode)d)]),
        ["disabled_reason"] = disabledReason,
        ["errors"] = new JsonArray(),
        ["eventually_due"] = new JsonArray([.. due.Select(d => (JsonNode)d)]),
        ["past_due"] = new JsonArray(),
        ["pending_verification"] = new JsonArray(),
    };

    private static JsonObject Snapshot(JsonObject account)
    {
        lock (account)
        {
            return account.DeepClone().AsObject();
        }
    }

    private static IResult NoSuchAccount(string id) =>
        Error(404, "invalid_request_error", $"No such account: '{id}'", "account", "resource_missing");
}
