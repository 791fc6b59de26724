using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Features.Admin.Metrics.Get;

public sealed class Endpoint(Db db, MarketplaceOptions options, TimeProvider clock) : Endpoint<Request, Response>
{
    public override void Configure()
    {
        Get("admin/metrics");
        Policies(Infrastructure.Policies.Admin);
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403));
        Summary(s =>
        {
            s.Summary = "Platform metrics (admins)";
            s.Description = "Over [from, to) (default the last 30 days, at most 366): gross booking value and platform fees of the bookings "
                + "paid in the period, refunds made in it, take rate, bookings made in it by status, new users and providers per UTC day.";
            s.ExampleRequest = new Request { From = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc), To = new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc) };
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var to = req.To is { } t ? DateTime.SpecifyKind(t.ToUniversalTime(), DateTimeKind.Utc) : clock.GetUtcNow().UtcDateTime;
        var from = req.From is { } f ? DateTime.SpecifyKind(f.ToUniversalTime(), DateTimeKind.Utc) : to.AddDays(-30);
        if (from >= to || to - from > TimeSpan.FromDays(366))
        {
            ValidationFailures.Add(new FluentValidation.Results.ValidationFailure("from", "from must be before to, at most 366 days."));
            ThrowIfAnyErrors();
        }
        var (gross, fees) = await Data.PaidAsync(db, from, to, ct);
        var refunds = await Data.RefundsAsync(db, from, to, ct);
        var byStatus = await Data.BookingsByStatusAsync(db, from, to, ct);
        var statuses = Bookings.TransactionStatuses.ToDictionary(s => s, s => byStatus.GetValueOrDefault(s));
        await Send.OkAsync(new Response(from, to, options.Currency, gross, fees, refunds,
            gross == 0 ? 0m : Math.Round((decimal)fees / gross, 4, MidpointRounding.AwayFromZero), statuses,
            await Data.PerDayAsync(db, "users", from, to, ct), await Data.PerDayAsync(db, "providers", from, to, ct)), ct);
    }
}
