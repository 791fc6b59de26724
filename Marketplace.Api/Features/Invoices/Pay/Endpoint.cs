using System.Globalization;
using FastEndpoints;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Stripe;
using Stripe;
using Stripe.Checkout;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Features.Invoices.Pay;

public sealed class Endpoint(Db db, Infrastructure.Idempotency idempotency, StripeAccess stripe, MarketplaceOptions options, TimeProvider clock)
    : Endpoint<Request, Response>
{
    private const string Route = "POST invoices/{id}/pay";

    /// <summary>An open session is reused only if the client still has this long to finish paying.</summary>
    private static readonly TimeSpan ReuseMargin = TimeSpan.FromMinutes(5);

    public override void Configure()
    {
        Post("invoices/{id}/pay");
        Options(b => b.WithMetadata(AcceptsIdempotencyKey.Instance));
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403)
            .ProducesProblemDetails(404).ProducesProblemDetails(409).ProducesProblemDetails(502).ProducesProblemDetails(503).ProducesProblemDetails(504));
        Summary(s =>
        {
            s.Summary = "Pay an invoice (Stripe Checkout)";
            s.Description = "The client gets a Stripe Checkout Session (payment mode, a destination charge to the provider's connected "
                + "account with the platform fee as application fee) and is sent to checkoutUrl; an open session is reused until it "
                + "expires. Takes no body. The payment is recorded when Stripe's webhook arrives. Honours Idempotency-Key. Errors: 403 not_invoice_client; "
                + "404 not a party; 409 invoice_already_paid, invoice_void, invoice_zero_balance, provider_cannot_accept_payments, "
                + "idempotency_key_reused, payment_in_progress (the session being replaced was paid meanwhile), payment_window_closed (the booking's payment window is over); 502 stripe_error; 503 "
                + "stripe_not_configured, stripe_unavailable (too many calls waiting on Stripe); 504 stripe_unavailable (Stripe did not "
                + "answer in time); both with Retry-After. A session about to expire is expired at Stripe before a new one is issued.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        var result = await idempotency.RunAsync(Infrastructure.Idempotency.KeyFrom(HttpContext), Route, me.Id, req, scope => PayAsync(req, me, scope, ct), ct);
        if (result.ReplayedJson is { } replayed)
        {
            await Infrastructure.Idempotency.WriteReplayAsync(HttpContext, result.Status, replayed, ct);
            return;
        }
        await Send.ResponseAsync(result.Body!, result.Status, ct);
    }

    private async Task<(int, Response)> PayAsync(Request req, CurrentUser me, IdempotencyScope scope, CancellationToken ct)
    {
        var (invoice, role) = await Bookings.FindInvoiceForCallerAsync(db, req.Id, me, ct);
        if (role != PartyRole.Client)
        {
            throw ApiProblem.Forbidden("not_invoice_client", "Only the invoice's client can pay it.");
        }
        EnsurePayable(invoice);
        if (invoice.PaymentMethod != "stripe" || !await Invoicing.CanAcceptStripePaymentsAsync(db, invoice.ProviderId, ct))
        {
            throw ApiProblem.Conflict("provider_cannot_accept_payments",
                "This provider cannot take card payments right now; pay as the invoice's payment instructions say.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        // past its payment window the booking no longer holds its slot (the expiry job voids it shortly): no new payment
        if (await db.Transactions.AnyAsync(t => t.Id == invoice.TransactionId && t.Status == "invoiced" && t.HoldUntil != null && t.HoldUntil <= now, ct))
        {
            throw ApiProblem.Conflict("payment_window_closed", "The time to pay this booking is over; its slot was released. Book again.");
        }
        if (OpenSession(invoice, now) is { } open)
        {
            return (StatusCodes.Status200OK, open);
        }

        var checkout = await Data.CheckoutAsync(db, invoice, ct);
        var customerId = checkout.StripeCustomerId ?? await CreateCustomerAsync(me.Id, checkout, ct);
        if (invoice.StripeCheckoutSessionId is { } previous)
        {
            await ExpirePreviousAsync(previous, ct);
        }
        var session = await CreateSessionAsync(invoice, checkout, customerId, ct);
        var response = new Response(session.Url, session.Id, session.ExpiresAt.ToUniversalTime());

        await using var tx = await db.BeginTransactionAsync(ct);
        if (await Data.StoreSessionAsync(db, invoice.Id, invoice.StripeCheckoutSessionId, session.Id, session.Url, response.ExpiresAt, ct) == 0)
        {
            // a concurrent request stored its session first, or the invoice got paid or void meanwhile
            await tx.RollbackAsync(ct);
            var current = await db.Invoices.FirstAsync(i => i.Id == invoice.Id, ct);
            EnsurePayable(current);
            return OpenSession(current, now) is { } theirs ? (StatusCodes.Status200OK, theirs)
                : throw ApiProblem.Conflict("concurrent_change", "The invoice changed meanwhile; try again.");
        }
        await Audit.WriteAsync(db, clock, new AuditEntry("invoice", invoice.Id, "checkout_started", invoice.Status, invoice.Status, me.Id, role,
            new { sessionId = session.Id, expiresAt = response.ExpiresAt }), ct);
        await scope.CompleteAsync(StatusCodes.Status200OK, response, ct);
        await tx.CommitAsync(ct);
        return (StatusCodes.Status200OK, response);
    }

    private static void EnsurePayable(InvoiceRow invoice)
    {
        switch (invoice.Status)
        {
            case "paid" or "refunded":
                throw ApiProblem.Conflict("invoice_already_paid", "This invoice is paid already.");
            case "void":
                throw ApiProblem.Conflict("invoice_void", "This invoice was voided; it cannot be paid.");
        }
        if (invoice.BalanceCents <= 0)
        {
            throw ApiProblem.Conflict("invoice_zero_balance", "Nothing is owed on this invoice.");
        }
    }

    private static Response? OpenSession(InvoiceRow invoice, DateTime now) =>
        invoice is { StripeCheckoutSessionId: { } id, StripeCheckoutUrl: { } url, StripeCheckoutExpiresAt: { } expiresAt } && expiresAt > now + ReuseMargin
            ? new Response(url, id, expiresAt)
            : null;

    private async Task<string> CreateCustomerAsync(int userId, Checkout checkout, CancellationToken ct)
    {
        var name = string.Join(' ', new[] { checkout.ClientFirstName, checkout.ClientLastName }.Where(n => !string.IsNullOrWhiteSpace(n)));
        var customer = await new CustomerService(await stripe.ClientAsync(db)).CreateAsync(new CustomerCreateOptions
        {
            Email = checkout.ClientEmail,
            Name = name.Length > 0 ? name : null,
            Metadata = new Dictionary<string, string> { ["user_id"] = userId.ToString(CultureInfo.InvariantCulture) },
        }, new RequestOptions { IdempotencyKey = $"customer-{userId}" }, ct);
        return await Data.StoreCustomerAsync(db, userId, customer.Id, ct);
    }

    /// <summary>
    /// The session about to be replaced is expired at Stripe first: left open, a client holding its
    /// page could pay it as well as the new one and be charged twice. Expiring a session that is
    /// expired already is fine; one that completed means the client has paid (its webhook may not
    /// have arrived yet), so no new session is offered: 409 payment_in_progress.
    /// </summary>
    private async Task ExpirePreviousAsync(string sessionId, CancellationToken ct)
    {
        var sessions = new SessionService(await stripe.ClientAsync(db));
        try
        {
            await sessions.ExpireAsync(sessionId, null, new RequestOptions { IdempotencyKey = $"expire-{sessionId}" }, ct);
            return;
        }
        catch (StripeException ex) when (ex.HttpStatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return; // Stripe does not know it (never created there): nothing can be paid on it
        }
        catch (StripeException ex) when (ex.HttpStatusCode == System.Net.HttpStatusCode.BadRequest)
        {
            // not open any more: Stripe's answer says so in prose only, so the session's status decides
        }
        var previous = await sessions.GetAsync(sessionId, new SessionGetOptions { Expand = ["payment_intent"] }, null, ct);
        switch (previous.Status)
        {
            case "expired":
                return;
            // a bank debit that failed (checkout.session.async_payment_failed) leaves the session complete and unpaid: paying again is right
            case "complete" when previous.PaymentStatus == "unpaid" && previous.PaymentIntent?.Status is "requires_payment_method" or "canceled":
                return;
            case "complete":
                throw ApiProblem.Conflict("payment_in_progress",
                    "This invoice's previous Checkout Session was paid (or its payment is processing); it is being recorded. Reload the invoice in a moment.");
            default:
                throw new StripeException(System.Net.HttpStatusCode.BadGateway, new StripeError { Type = "api_error", Message = "Session could not be expired." },
                    $"Checkout Session {sessionId} is {previous.Status} but could not be expired.");
        }
    }

    private async Task<Session> CreateSessionAsync(InvoiceRow invoice, Checkout checkout, string customerId, CancellationToken ct)
    {
        var metadata = new Dictionary<string, string>
        {
            ["transaction_id"] = checkout.TransactionId.ToString(CultureInfo.InvariantCulture),
            ["invoice_id"] = invoice.Id.ToString(CultureInfo.InvariantCulture),
        };
        var baseUrl = options.PublicBaseUrl.TrimEnd('/');
        return await new SessionService(await stripe.ClientAsync(db)).CreateAsync(new SessionCreateOptions
        {
            Mode = "payment",
            Customer = customerId,
            ClientReferenceId = invoice.Id.ToString(CultureInfo.InvariantCulture),
            SuccessUrl = $"{baseUrl}/invoices/{invoice.Id}?checkout=success&session_id={{CHECKOUT_SESSION_ID}}",
            CancelUrl = $"{baseUrl}/invoices/{invoice.Id}?checkout=cancelled",
            LineItems =
            [
                new SessionLineItemOptions
                {
                    Quantity = 1,
                    PriceData = new SessionLineItemPriceDataOptions
                    {
                        Currency = options.Currency,
                        UnitAmount = invoice.BalanceCents,
                        ProductData = new SessionLineItemPriceDataProductDataOptions
                        {
                            Name = $"Invoice {invoice.InvoiceNumber}",
                            Description = checkout.ServiceDescription.Length > 500 ? checkout.ServiceDescription[..500] : checkout.ServiceDescription,
                        },
                    },
                },
            ],
            // DESIGN money rules: a destination charge; the platform keeps its fee as the application fee
            PaymentIntentData = new SessionPaymentIntentDataOptions
            {
                ApplicationFeeAmount = checkout.PlatformFeeCents > 0 ? checkout.PlatformFeeCents : null,
                TransferData = new SessionPaymentIntentDataTransferDataOptions { Destination = checkout.DestinationAccount },
                Description = $"Invoice {invoice.InvoiceNumber}",
                Metadata = metadata,
            },
            Metadata = metadata,
        }, new RequestOptions
        {
            // one session per invoice and predecessor: a repeated click makes no second session
            IdempotencyKey = $"checkout-{invoice.Id}-{invoice.StripeCheckoutSessionId ?? "first"}",
        }, ct);
    }
}
