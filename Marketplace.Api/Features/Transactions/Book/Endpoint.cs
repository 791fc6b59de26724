using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Listings.Availability;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Infrastructure.Email;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Features.Transactions.Book;

public sealed class Endpoint(Db db, Infrastructure.Idempotency idempotency, MarketplaceOptions options, TimeProvider clock) : Endpoint<Request, TransactionView>
{
    private const string Route = "POST transactions";

    public override void Configure()
    {
        Post("transactions");
        Options(b => b.WithMetadata(AcceptsIdempotencyKey.Instance));
        Policies(Infrastructure.Policies.VerifiedEmail);
        Description(d => d
            .Produces<TransactionView>(201)
            .ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403)
            .ProducesProblemDetails(404).ProducesProblemDetails(409));
        Summary(s =>
        {
            s.Summary = "Book a service";
            s.Description = "Books a listing, or asks a provider directly for a described service. A fixed, hourly or daily price "
                + "is computed at once (price x quantity) and the booking is invoiced automatically (status invoiced); a custom or "
                + "contact listing, or a direct request, creates a pending request the provider prices with POST /transactions/{id}/invoice. "
                + "The client's notes go in serviceNotes (notes is a deprecated alias). Verified e-mail required. Honours Idempotency-Key. Errors: 403 cannot_book_own_listing; 404 listing or provider; "
                + "409 listing_not_bookable, provider_not_available, slot_unavailable, idempotency_key_reused, idempotency_request_in_progress. "
                + "A listing with an availability plan is booked by the slot: requestedStartAt/requestedEndAt must be the bounds of a slot "
                + "with a seat left (GET /listings/{slug}/timeslots), else 409 slot_unavailable. A listing with instantBooking false "
                + "creates a request (status requested) the provider accepts or declines; it expires unanswered.";
            s.Responses[201] = "The booking, with its invoice when it was invoiced at once.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        var result = await idempotency.RunAsync(Infrastructure.Idempotency.KeyFrom(HttpContext), Route, me.Id, req, scope => BookAsync(req, me, scope, ct), ct);
        if (result.ReplayedJson is { } replayed)
        {
            await Infrastructure.Idempotency.WriteReplayAsync(HttpContext, result.Status, replayed, ct);
            return;
        }
        HttpContext.Response.Headers.Location = $"/{Infrastructure.Api.RoutePrefix}/transactions/{result.Body!.Id}";
        await Send.ResponseAsync(result.Body, result.Status, ct);
    }

    /// <summary>An unanswered request expires after RequestExpiryHours, and never after the service start.</summary>
    private DateTime RequestDeadline(DateTime now, DateTime? startsAt)
    {
        var expiry = now.AddHours(options.Bookings.RequestExpiryHours);
        return startsAt is { } start && start > now && start < expiry ? start : expiry;
    }

    private async Task<(int, TransactionView)> BookAsync(Request req, CurrentUser me, IdempotencyScope scope, CancellationToken ct)
    {
        var target = req.ListingId is { } listingId
            ? await Data.ListingAsync(db, listingId, ct) ?? throw ApiProblem.NotFound("listing")
            : await Data.ProviderAsync(db, req.ProviderId!.Value, ct) ?? throw ApiProblem.NotFound("provider");

        if (target.ProviderUserId == me.Id)
        {
            throw ApiProblem.Forbidden("cannot_book_own_listing", "You cannot book your own listings or services.");
        }
        if (target.ListingStatus is not null and not "active")
        {
            throw ApiProblem.Conflict("listing_not_bookable", "This listing is not taking bookings right now.");
        }
        if (target.ProviderStatus != "active")
        {
            throw ApiProblem.Conflict("provider_not_available", "This provider is not taking bookings right now.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (req.RequestedStartAt is { } start && start.ToUniversalTime() < now.AddMinutes(-5))
        {
            AddError(r => r.RequestedStartAt!, "requestedStartAt must not be in the past.");
        }
        // a listing with an availability plan is booked by the slot (Features/Listings/Availability)
        var plan = target.ListingId is { } planned ? await ListingSlots.PlanAsync(db, planned, ct) : null;
        if (plan is not null && (req.RequestedStartAt is null || req.RequestedEndAt is null))
        {
            AddError(r => r.RequestedStartAt!, "This listing is booked by the slot: give requestedStartAt and requestedEndAt of a slot (GET /listings/{slug}/timeslots).");
        }
        var priced = target.PriceType is "fixed" or "hourly" or "daily" && target.PriceCents is not null;
        if (plan is not null && req.Quantity is null && target.PriceType is "hourly" or "daily")
        {
            // the slot is the quantity: its hours (or days), rounded up
            var unit = target.PriceType == "hourly" ? 60 : 1440;
            req = req with { Quantity = Math.Max(1, (plan.Plan.SlotMinutes + unit - 1) / unit) };
        }
        if (target.PriceType is "hourly" or "daily" && req.Quantity is null)
        {
            AddError(r => r.Quantity!, $"An {target.PriceType} listing needs a quantity ({(target.PriceType == "hourly" ? "hours" : "days")}).");
        }
        var quantity = req.Quantity ?? 1;
        if (priced && target.PriceCents!.Value * quantity > Money.MaxPriceCents)
        {
            AddError(r => r.Quantity!, "The booking's price is too large; book a smaller quantity.");
        }
        ThrowIfAnyErrors();

        return await db.InTransactionAsync(async c =>
        {
            // the provider, then the listing (LockOrder), as pause, publish and delete take them: what was checked above is
            // checked again under the locks, so a listing paused meanwhile takes no booking, and their counters stay exact
            if (await LockOrder.ProviderAsync(db, target.ProviderId, c) != "active")
            {
                throw ApiProblem.Conflict("provider_not_available", "This provider is not taking bookings right now.");
            }
            if (target.ListingId is { } listingId && await LockOrder.ListingAsync(db, listingId, c) != "active")
            {
                throw ApiProblem.Conflict("listing_not_bookable", "This listing is not taking bookings right now.");
            }
            if (target.ListingId is { } scheduled)
            {
                // under the listing's lock: every booking of the listing queues here, so the seats counted are the seats taken
                await SlotCheck.EnsureBookableAsync(db, scheduled, req.RequestedStartAt?.ToUniversalTime(), req.RequestedEndAt?.ToUniversalTime(), now, c);
            }
            var requested = !target.InstantBooking;
            var transaction = new TransactionRow
            {
                ClientId = me.Id,
                ProviderId = target.ProviderId,
                ListingId = target.ListingId,
                ServiceDescription = req.Description is { Length: > 0 } description ? description : target.ListingTitle!,
                ServiceNotes = req.ServiceNotes ?? req.Notes,
                Quantity = quantity,
                RequestedStartAt = req.RequestedStartAt?.ToUniversalTime(),
                RequestedEndAt = req.RequestedEndAt?.ToUniversalTime(),
                Status = requested ? "requested" : "pending",
                HoldUntil = requested ? RequestDeadline(now, req.RequestedStartAt?.ToUniversalTime()) : null,
                CreatedAt = now,
            };
            transaction.Id = await Data.InsertAsync(db, transaction, c);
            await Data.CountBookingAsync(db, target.ProviderId, target.ListingId, c);
            await Audit.WriteAsync(db, clock, new AuditEntry("transaction", transaction.Id, "booked", null, transaction.Status, me.Id, PartyRole.Client,
                new { target.ListingId, quantity, target.PriceType }), c);
            await ResourceEvents.TransactionAsync(db, clock, options, EventTypes.TransactionBooked, transaction.Id, c);

            if (priced && !requested)
            {
                var price = Money.Breakdown(target.PriceCents!.Value * quantity, 0m, options.Fees.PlatformFeeBps, options.Fees.MinimumPlatformFeeCents);
                await Invoicing.IssueAsync(db, clock, options, transaction, price, Invoicing.PaymentMethodFor(target.PaymentMode),
                    notes: null, internalNotes: null, dueAt: null, me.Id, PartyRole.Client, c);
                transaction.Status = "invoiced";
                transaction.TotalCents = price.TotalCents;
            }
            if (target.ListingId is { } booked)
            {
                await FreeDays.RefreshBookingAsync(db, booked, transaction.RequestedStartAt, transaction.RequestedEndAt, now, c);
            }

            var parties = await Bookings.PartiesAsync(db, transaction.Id, c);
            await Outbox.EnqueueAsync(db, clock, BookingMails.BookingRequested(parties, transaction, options), c);

            var view = await TransactionViews.LoadAsync(db, transaction.Id, PartyRole.Client, options.Currency, c);
            if (requested)
            {
                await DomainEvents.AppendAsync(db, clock, new DomainEvent(EventTypes.TransactionRequested, "transaction",
                    transaction.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), view, [me.Id, target.ProviderUserId]), c);
            }
            await scope.CompleteAsync(StatusCodes.Status201Created, view, c);
            return (StatusCodes.Status201Created, view);
        }, ct);
    }
}
