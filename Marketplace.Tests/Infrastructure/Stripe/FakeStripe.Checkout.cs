using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Marketplace.Tests.Infrastructure.Stripe;

/// <summary>
/// /v1/checkout/sessions (create, retrieve, expire), per Stripe's API reference "Create a Checkout
/// Session" for payment mode with a destination charge. The payment itself happens in the test:
/// <see cref="CompleteCheckoutSession"/> plays the client paying on Stripe's page.
/// </summary>
public sealed partial class FakeStripe
{
    /// <summary>Everything the top level of "Create a Checkout Session" accepts (Stripe.net 53.1.0, API 2026-10-28.endive).</summary>
    private static readonly string[] SessionCreateParams =
    [
        "adaptive_pricing", "after_expiration", "allow_promotion_codes", "allowed_payment_method_types", "automatic_tax",
        "billing_address_collection", "branding_settings", "cancel_url", "client_reference_id", "consent_collection", "currency",
        "custom_fields", "custom_text", "customer", "customer_account", "customer_creation", "customer_email", "customer_update",
        "discounts", "excluded_payment_method_types", "expires_at", "integration_identifier", "invoice_creation", "line_items",
        "locale", "managed_payments", "metadata", "mode", "name_collection", "optional_items", "origin_context",
        "payment_intent_data", "payment_method_collection", "payment_method_configuration", "payment_method_data",
        "payment_method_options", "payment_method_types", "permissions", "phone_number_collection", "redirect_on_completion",
        "return_url", "saved_payment_method_options", "setup_intent_data", "shipping_address_collection", "shipping_options",
        "submit_type", "subscription_data", "success_url", "tax_id_collection", "ui_mode", "wallet_options", "expand",
    ];

    /// <summary>The payment_intent_data of each session, for the payment intent made when it completes.</summary>
    private readonly ConcurrentDictionary<string, JsonObject> sessionPaymentData = new();

    partial void MapCheckoutSessions(RouteGroupBuilder v1)
    {
        v1.MapPost("/checkout/sessions", (HttpContext http) =>
        {
            var request = Current(http);
            var refused = RequireIdempotencyKey(request)
                ?? RejectUnknown(request, SessionCreateParams)
                ?? RejectUnknownNested(request, "line_items",
                    "line_items[*][quantity]", "line_items[*][price]", "line_items[*][metadata][*]", "line_items[*][tax_rates][*]",
                    "line_items[*][price_data][currency]", "line_items[*][price_data][unit_amount]", "line_items[*][price_data][unit_amount_decimal]",
                    "line_items[*][price_data][tax_behavior]", "line_items[*][price_data][product]",
                    "line_items[*][price_data][product_data][name]", "line_items[*][price_data][product_data][description]",
                    "line_items[*][price_data][product_data][images][*]", "line_items[*][price_data][product_data][metadata][*]",
                    "line_items[*][price_data][product_data][tax_code]", "line_items[*][price_data][product_data][unit_label]")
                ?? RejectUnknownNested(request, "payment_intent_data",
                    "payment_intent_data[application_fee_amount]", "payment_intent_data[capture_method]", "payment_intent_data[description]",
                    "payment_intent_data[metadata][*]", "payment_intent_data[on_behalf_of]", "payment_intent_data[receipt_email]",
                    "payment_intent_data[setup_future_usage]", "payment_intent_data[statement_descriptor]",
                    "payment_intent_data[statement_descriptor_suffix]", "payment_intent_data[transfer_data][amount]",
                    "payment_intent_data[transfer_data][destination]", "payment_intent_data[transfer_group]")
                ?? RejectUnknownNested(request, "metadata", "metadata[*]")
                ?? CheckMetadata(request, "metadata")
                ?? CheckMetadata(request, "payment_intent_data[metadata]")
                ?? RequireParams(request, "mode");
            if (refused is not null)
            {
                return refused;
            }
            var form = request.Form;
            if (form["mode"] is not ("payment" or "setup" or "subscription"))
            {
                return Error(400, "invalid_request_error", $"Invalid mode: must be one of payment, setup, or subscription", "mode");
            }
            if (form["mode"] != "payment")
            {
                return Error(400, "invalid_request_error", "Test server: only payment mode is implemented.", "mode");
            }
            if (!form.ContainsKey("success_url") && form.GetValueOrDefault("ui_mode") is null or "hosted")
            {
                return Error(400, "invalid_request_error", "Missing required param: success_url.", "success_url");
            }
            foreach (var url in new[] { "success_url", "cancel_url" })
            {
                if (form.TryGetValue(url, out var value) && (!Uri.TryCreate(value.Replace("{CHECKOUT_SESSION_ID}", "x", StringComparison.Ordinal), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
                {
                    return Error(400, "invalid_request_error", $"Not a valid URL", url, "url_invalid");
                }
            }
            if (form.TryGetValue("customer", out var customer) && !(Objects.TryGetValue(customer, out var c) && (string?)c["object"] == "customer"))
            {
                return Error(400, "invalid_request_error", $"No such customer: '{customer}'", "customer", "resource_missing");
            }

            // line items: price_data with currency, unit_amount and product_data[name]
            var items = form.Keys.Where(k => k.StartsWith("line_items[", StringComparison.Ordinal))
                .Select(k => k["line_items[".Length..k.IndexOf(']', StringComparison.Ordinal)]).Distinct().ToList();
            if (items.Count == 0)
            {
                return Error(400, "invalid_request_error", "You must specify either `line_items` or `prices` in `payment` mode.", "line_items");
            }
            long total = 0;
            string? currency = null;
            foreach (var i in items)
            {
                var p = $"line_items[{i}]";
                if (!TryInteger(request, $"{p}[quantity]", out var quantity) || quantity < 1)
                {
                    return Error(400, "invalid_request_error", "Quantity is required. Add `quantity` to `line_items[" + i + "]`", $"{p}[quantity]");
                }
                if (!form.TryGetValue($"{p}[price_data][currency]", out var itemCurrency) || itemCurrency.Length != 3 || itemCurrency != itemCurrency.ToLowerInvariant())
                {
                    return Error(400, "invalid_request_error", "Invalid currency", $"{p}[price_data][currency]");
                }
                if (!TryInteger(request, $"{p}[price_data][unit_amount]", out var unit))
                {
                    return Error(400, "invalid_request_error", "Missing required param: unit_amount.", $"{p}[price_data][unit_amount]");
                }
                if (!form.TryGetValue($"{p}[price_data][product_data][name]", out var name) || name.Length == 0)
                {
                    return Error(400, "invalid_request_error", "Missing required param: line_items[0][price_data][product_data][name].", $"{p}[price_data][product_data][name]");
                }
                if (currency is not null && currency != itemCurrency)
                {
                    return Error(400, "invalid_request_error", "All line items must have the same currency.", $"{p}[price_data][currency]");
                }
                currency = itemCurrency;
                total += unit * quantity;
            }
            if (currency == "usd" && total < 50)
            {
                return Error(400, "invalid_request_error", "The Checkout Session's total amount due must add up to at least $0.50 usd", "line_items", "amount_too_small");
            }

            var paymentData = new JsonObject { ["metadata"] = Metadata(request, "payment_intent_data[metadata]") };
            if (form.TryGetValue("payment_intent_data[application_fee_amount]", out var feeRaw))
            {
                if (!TryInteger(request, "payment_intent_data[application_fee_amount]", out var fee) || fee < 1)
                {
                    return Error(400, "invalid_request_error", "Invalid positive integer", "payment_intent_data[application_fee_amount]");
                }
                if (fee > total)
                {
                    return Error(400, "invalid_request_error", "The application fee amount cannot be greater than the total amount.", "payment_intent_data[application_fee_amount]");
                }
                if (!form.ContainsKey("payment_intent_data[transfer_data][destination]") && !form.ContainsKey("payment_intent_data[on_behalf_of]"))
                {
                    return Error(400, "invalid_request_error", "Can only apply an application_fee_amount when the PaymentIntent is attempting a direct payment (using an OAuth key or Stripe-Account header) or destination payment (using `transfer_data[destination]`).", "payment_intent_data[application_fee_amount]");
                }
                paymentData["application_fee_amount"] = fee;
                _ = feeRaw;
            }
            if (form.TryGetValue("payment_intent_data[transfer_data][destination]", out var destination))
            {
                if (!destination.StartsWith("acct_", StringComparison.Ordinal))
                {
                    return Error(400, "invalid_request_error", $"No such destination: '{destination}'", "payment_intent_data[transfer_data][destination]");
                }
                paymentData["destination"] = destination;
            }
            paymentData["description"] = form.GetValueOrDefault("payment_intent_data[description]");

            var now = UnixNow();
            long expiresAt = now + 24 * 3600;
            if (form.ContainsKey("expires_at"))
            {
                if (!TryInteger(request, "expires_at", out expiresAt) || expiresAt < now + 30 * 60 || expiresAt > now + 24 * 3600)
                {
                    return Error(400, "invalid_request_error", "The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.", "expires_at");
                }
            }

            var id = "cs_test_" + NewId("a")[2..];
            var session = new JsonObject
            {
                ["id"] = id,
                ["object"] = "checkout.session",
                ["adaptive_pricing"] = new JsonObject { ["enabled"] = false },
                ["after_expiration"] = null,
                ["allow_promotion_codes"] = null,
                ["amount_subtotal"] = total,
                ["amount_total"] = total,
                ["automatic_tax"] = new JsonObject { ["enabled"] = false, ["liability"] = null, ["provider"] = null, ["status"] = null },
                ["billing_address_collection"] = null,
                ["cancel_url"] = form.GetValueOrDefault("cancel_url"),
                ["client_reference_id"] = form.GetValueOrDefault("client_reference_id"),
                ["client_secret"] = null,
                ["collected_information"] = null,
                ["consent"] = null,
                ["consent_collection"] = null,
                ["created"] = now,
                ["currency"] = currency,
                ["currency_conversion"] = null,
                ["custom_fields"] = new JsonArray(),
                ["custom_text"] = new JsonObject { ["after_submit"] = null, ["shipping_address"] = null, ["submit"] = null, ["terms_of_service_acceptance"] = null },
                ["customer"] = form.GetValueOrDefault("customer"),
                ["customer_account"] = null,
                ["customer_creation"] = form.ContainsKey("customer") ? null : "if_required",
                ["customer_details"] = null,
                ["customer_email"] = form.GetValueOrDefault("customer_email"),
                ["discounts"] = new JsonArray(),
                ["expires_at"] = expiresAt,
                ["invoice"] = null,
                ["invoice_creation"] = null,
                ["livemode"] = false,
                ["locale"] = form.GetValueOrDefault("locale"),
                ["metadata"] = Metadata(request),
                ["mode"] = "payment",
                ["payment_intent"] = null,
                ["payment_link"] = null,
                ["payment_method_collection"] = "if_required",
                ["payment_method_configuration_details"] = null,
                ["payment_method_options"] = new JsonObject(),
                ["payment_method_types"] = new JsonArray("card"),
                ["payment_status"] = "unpaid",
                ["phone_number_collection"] = new JsonObject { ["enabled"] = false },
                ["recovered_from"] = null,
                ["saved_payment_method_options"] = null,
                ["setup_intent"] = null,
                ["shipping_address_collection"] = null,
                ["shipping_cost"] = null,
                ["shipping_options"] = new JsonArray(),
                ["status"] = "open",
                ["submit_type"] = null,
                ["subscription"] = null,
                ["success_url"] = form.GetValueOrDefault("success_url"),
                ["total_details"] = new JsonObject { ["amount_discount"] = 0, ["amount_shipping"] = 0, ["amount_tax"] = 0 },
                ["ui_mode"] = "hosted",
                ["url"] = $"https://checkout.stripe.com/c/pay/{id}#fidkdWxOYHwnPyd1blpxYHZxWjA0",
                ["wallet_options"] = null,
            };
            Objects[id] = session;
            sessionPaymentData[id] = paymentData;
            return Results.Json(session);
        });

        v1.MapGet("/checkout/sessions/{id}", (HttpContext http, string id) => Retrieve(http, id, "checkout.session", "expand"));

        v1.MapPost("/checkout/sessions/{id}/expire", (HttpContext http, string id) =>
        {
            var request = Current(http);
            if (RejectUnknown(request, "expand") is { } refused)
            {
                return refused;
            }
            if (!Objects.TryGetValue(id, out var session) || (string?)session["object"] != "checkout.session")
            {
                return Error(404, "invalid_request_error", $"No such checkout.session: '{id}'", "session", "resource_missing");
            }
            lock (session)
            {
                if ((string?)session["status"] != "open")
                {
                    return Error(400, "invalid_request_error", $"Only Checkout Sessions with a status in [\"open\"] can be expired. This Checkout Session has a status of \"{session["status"]}\".");
                }
                session["status"] = "expired";
                session["url"] = null;
                return Results.Json(session);
            }
        });
    }

    /// <summary>The session the app created for an invoice (by its metadata), newest last.</summary>
    public JsonObject SessionForInvoice(int invoiceId) =>
        Objects.Values.Where(o => (string?)o["object"] == "checkout.session" && (string?)o["metadata"]?["invoice_id"] == invoiceId.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .OrderBy(o => (long)o["created"]!).Last();

    /// <summary>
    /// Plays the client paying the session on Stripe's page: a succeeded payment intent with its
    /// charge and the charge's balance transaction (Stripe's fee), as a destination charge with
    /// the session's application fee and transfer. <paramref name="async"/> leaves the payment
    /// processing (a bank debit): payment_status stays unpaid.
    /// </summary>
    public CompletedPayment CompleteCheckoutSession(string sessionId, long? stripeFeeCents = null, bool async = false)
    {
        var session = Objects[sessionId];
        var data = sessionPaymentData[sessionId];
        var amount = (long)session["amount_total"]!;
        var currency = (string)session["currency"]!;
        var fee = stripeFeeCents ?? (amount * 29 + 500) / 1000 + 30;
        var now = UnixNow();
        var pi = NewId("pi");
        var ch = NewId("ch");
        var txn = NewId("txn");
        var destination = (string?)data["destination"];

        Objects[txn] = new JsonObject
        {
            ["id"] = txn,
            ["object"] = "balance_transaction",
            ["amount"] = amount,
            ["available_on"] = now + 2 * 86400,
            ["balance_type"] = "payments",
            ["created"] = now,
            ["currency"] = currency,
            ["description"] = data["description"]?.GetValue<string>(),
            ["exchange_rate"] = null,
            ["fee"] = fee,
            ["fee_details"] = new JsonArray(new JsonObject
            {
                ["amount"] = fee, ["application"] = null, ["currency"] = currency, ["description"] = "Stripe processing fees", ["type"] = "stripe_fee",
            }),
            ["net"] = amount - fee,
            ["reporting_category"] = "charge",
            ["source"] = ch,
            ["status"] = "pending",
            ["type"] = "charge",
        };
        Objects[ch] = new JsonObject
        {
            ["id"] = ch,
            ["object"] = "charge",
            ["amount"] = amount,
            ["amount_captured"] = async ? 0 : amount,
            ["amount_refunded"] = 0L,
            ["application"] = null,
            ["application_fee"] = data["application_fee_amount"] is null ? null : NewId("fee"),
            ["application_fee_amount"] = data["application_fee_amount"]?.GetValue<long>(),
            ["balance_transaction"] = async ? null : txn,
            ["billing_details"] = new JsonObject
            {
                ["address"] = new JsonObject { ["city"] = null, ["country"] = "US", ["line1"] = null, ["line2"] = null, ["postal_code"] = "78701", ["state"] = null },
                ["email"] = null, ["name"] = "Test Client", ["phone"] = null, ["tax_id"] = null,
            },
            ["calculated_statement_descriptor"] = "MARKETPLACE",
            ["captured"] = !async,
            ["created"] = now,
            ["currency"] = currency,
            ["customer"] = (string?)session["customer"],
            ["description"] = data["description"]?.GetValue<string>(),
            ["destination"] = destination,
            ["disputed"] = false,
            ["failure_balance_transaction"] = null,
            ["failure_code"] = null,
            ["failure_message"] = null,
            ["fraud_details"] = new JsonObject(),
            ["livemode"] = false,
            ["metadata"] = new JsonObject(),
            ["on_behalf_of"] = null,
            ["outcome"] = new JsonObject
            {
                ["advice_code"] = null, ["network_advice_code"] = null, ["network_decline_code"] = null, ["network_status"] = "approved_by_network",
                ["reason"] = null, ["risk_level"] = "normal", ["risk_score"] = 32, ["seller_message"] = "Payment complete.", ["type"] = "authorized",
            },
            ["paid"] = !async,
            ["payment_intent"] = pi,
            ["payment_method"] = NewId("pm"),
            ["payment_method_details"] = new JsonObject
            {
                ["card"] = new JsonObject { ["brand"] = "visa", ["country"] = "US", ["exp_month"] = 12, ["exp_year"] = 2030, ["funding"] = "credit", ["last4"] = "4242", ["network"] = "visa" },
                ["type"] = "card",
            },
            ["receipt_email"] = null,
            ["receipt_number"] = null,
            ["receipt_url"] = $"https://pay.stripe.com/receipts/payment/{ch}",
            ["refunded"] = false,
            ["review"] = null,
            ["shipping"] = null,
            ["source_transfer"] = null,
            ["statement_descriptor"] = null,
            ["statement_descriptor_suffix"] = null,
            ["status"] = async ? "pending" : "succeeded",
            ["transfer"] = destination is null ? null : NewTransfer(destination, amount - (data["application_fee_amount"]?.GetValue<long>() ?? 0), currency, ch, $"group_{pi}"),
            ["transfer_data"] = destination is null ? null : new JsonObject { ["amount"] = null, ["destination"] = destination },
            ["transfer_group"] = $"group_{pi}",
        };
        Objects[pi] = new JsonObject
        {
            ["id"] = pi,
            ["object"] = "payment_intent",
            ["amount"] = amount,
            ["amount_capturable"] = 0,
            ["amount_details"] = new JsonObject { ["tip"] = new JsonObject() },
            ["amount_received"] = async ? 0 : amount,
            ["application"] = null,
            ["application_fee_amount"] = data["application_fee_amount"]?.GetValue<long>(),
            ["automatic_payment_methods"] = null,
            ["canceled_at"] = null,
            ["cancellation_reason"] = null,
            ["capture_method"] = "automatic_async",
            ["client_secret"] = $"{pi}_secret_{NewId("x")[2..]}",
            ["confirmation_method"] = "automatic",
            ["created"] = now,
            ["currency"] = currency,
            ["customer"] = (string?)session["customer"],
            ["description"] = data["description"]?.GetValue<string>(),
            ["last_payment_error"] = null,
            ["latest_charge"] = ch,
            ["livemode"] = false,
            ["metadata"] = data["metadata"]!.DeepClone(),
            ["next_action"] = null,
            ["on_behalf_of"] = null,
            ["payment_method"] = (string?)Objects[ch]["payment_method"],
            ["payment_method_options"] = new JsonObject(),
            ["payment_method_types"] = new JsonArray("card"),
            ["processing"] = null,
            ["receipt_email"] = null,
            ["review"] = null,
            ["setup_future_usage"] = null,
            ["shipping"] = null,
            ["statement_descriptor"] = null,
            ["statement_descriptor_suffix"] = null,
            ["status"] = async ? "processing" : "succeeded",
            ["transfer_data"] = destination is null ? null : new JsonObject { ["destination"] = destination },
            ["transfer_group"] = $"group_{pi}",
        };

        lock (session)
        {
            session["status"] = "complete";
            session["payment_status"] = async ? "unpaid" : "paid";
            session["payment_intent"] = pi;
            session["url"] = null;
            session["customer_details"] = new JsonObject
            {
                ["address"] = new JsonObject { ["city"] = null, ["country"] = "US", ["line1"] = null, ["line2"] = null, ["postal_code"] = "78701", ["state"] = null },
                ["business_name"] = null, ["email"] = "client@example.test", ["individual_name"] = null, ["name"] = "Test Client",
                ["phone"] = null, ["tax_exempt"] = "none", ["tax_ids"] = new JsonArray(),
            };
        }
        return new CompletedPayment(sessionId, pi, ch, txn, amount, fee);
    }

    /// <summary>Settles an asynchronous payment left processing by <see cref="CompleteCheckoutSession"/>.</summary>
    public void SettleAsyncPayment(CompletedPayment payment)
    {
        Objects[payment.ChargeId]["status"] = "succeeded";
        Objects[payment.ChargeId]["paid"] = true;
        Objects[payment.ChargeId]["captured"] = true;
        Objects[payment.ChargeId]["amount_captured"] = payment.AmountCents;
        Objects[payment.ChargeId]["balance_transaction"] = payment.BalanceTransactionId;
        Objects[payment.PaymentIntentId]["status"] = "succeeded";
        Objects[payment.PaymentIntentId]["amount_received"] = payment.AmountCents;
        Objects[payment.SessionId]["payment_status"] = "paid";
    }

    /// <summary>
    /// Fails an asynchronous payment left processing (the bank debit bounced), as Stripe leaves it
    /// when it sends checkout.session.async_payment_failed: the session stays complete and unpaid,
    /// the payment intent asks for a new payment method, the charge failed.
    /// </summary>
    public void FailAsyncPayment(CompletedPayment payment)
    {
        Objects[payment.ChargeId]["status"] = "failed";
        Objects[payment.ChargeId]["failure_code"] = "insufficient_funds";
        Objects[payment.PaymentIntentId]["status"] = "requires_payment_method";
    }
}

/// <summary>What a completed Checkout payment made: its payment intent, charge and balance transaction.</summary>
public sealed record CompletedPayment(string SessionId, string PaymentIntentId, string ChargeId, string BalanceTransactionId, long AmountCents, long StripeFeeCents);
