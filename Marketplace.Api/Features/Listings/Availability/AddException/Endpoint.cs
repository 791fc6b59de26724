using System.Globalization;
using FastEndpoints;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings.Availability.AddException;

public sealed class Endpoint(Db db, TimeProvider clock) : Endpoint<Request, ExceptionView>
{
    public const int MaxExceptions = 500;

    public override void Configure()
    {
        Post("listings/{id:int}/availability/exceptions");
        Policies(Infrastructure.Policies.Provider);
        Description(d => d.ClearDefaultProduces(200).Produces<ExceptionView>(201)
            .ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403).ProducesProblemDetails(404).ProducesProblemDetails(409));
        Summary(s =>
        {
            s.Summary = "Add an exception to a listing's plan";
            s.Description = "Overrides the weekly plan over [start, end): seats 0 closes it (a holiday; plan slots touching it disappear), "
                + "more opens it with that capacity, cut into the plan's slots, also outside the weekly periods. Bookings already made "
                + "stay. Owner only. Errors: 404 listing; 409 no_availability_plan (set a plan first), too_many_exceptions (500 a listing).";
            s.ExampleRequest = new Request { Start = new DateTime(2026, 12, 25, 5, 0, 0, DateTimeKind.Utc), End = new DateTime(2026, 12, 26, 5, 0, 0, DateTimeKind.Utc), Seats = 0 };
            s.Responses[201] = "The exception.";
        });
    }

    public override async Task HandleAsync(Request r, CancellationToken ct)
    {
        var caller = HttpContext.CurrentUser();
        var providerId = ListingRules.ManagingProviderId(caller);
        await OwnedListing.GetAsync(db, r.Id, providerId, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var row = new AvailabilityExceptionRow { ListingId = r.Id, StartAt = r.Start!.Value.ToUniversalTime(), EndAt = r.End!.Value.ToUniversalTime(), Seats = r.Seats!.Value, CreatedAt = now };
        await db.InTransactionAsync(async c =>
        {
            await LockOrder.ProviderAsync(db, providerId, c);
            await LockOrder.ListingAsync(db, r.Id, c);
            if (!await db.ListingAvailability.AnyAsync(a => a.ListingId == r.Id, c))
            {
                throw ApiProblem.Conflict("no_availability_plan", "This listing has no availability plan; set one with PUT /listings/{id}/availability first.");
            }
            if (await db.AvailabilityExceptions.CountAsync(x => x.ListingId == r.Id, c) >= MaxExceptions)
            {
                throw ApiProblem.Conflict("too_many_exceptions", $"A listing has at most {MaxExceptions} exceptions; delete old ones first.");
            }
            row.Id = await db.InsertWithInt64IdentityAsync(row, token: c);
            await FreeDays.RefreshAsync(db, r.Id, row.StartAt, row.EndAt, now, c);
            var view = ExceptionView.From(row);
            await Audit.WriteAsync(db, clock, new AuditEntry("listing", r.Id, "availability_exception_added", null, null, caller.Id, "provider", view), c);
            await DomainEvents.AppendAsync(db, clock, new DomainEvent(EventTypes.ListingAvailabilityChanged, "listing", r.Id.ToString(CultureInfo.InvariantCulture),
                new { listingId = r.Id, exceptionAdded = view }, [caller.Id]), c);
        }, ct);
        HttpContext.Response.Headers.Location = $"/{Infrastructure.Api.RoutePrefix}/listings/{r.Id}/availability/exceptions/{row.Id}";
        await Send.ResponseAsync(ExceptionView.From(row), StatusCodes.Status201Created, ct);
    }
}
