using FastEndpoints;
using FluentValidation;

namespace Marketplace.Api.Features.Admin.Metrics.Get;

/// <summary>?from=, ?to= (default: the 30 days before now).</summary>
public sealed record Request
{
    /// <summary>Start of the period (inclusive, ISO-8601 UTC).</summary>
    public DateTime? From { get; init; }

    /// <summary>End of the period (exclusive, ISO-8601 UTC); at most 366 days after from.</summary>
    public DateTime? To { get; init; }
}

/// <summary>A count of one UTC day.</summary>
/// <param name="Date">The day (UTC), yyyy-MM-dd.</param>
/// <param name="Count">How many.</param>
public sealed record DayCount(string Date, int Count);

/// <summary>The platform's figures over [from, to).</summary>
/// <param name="From">Start of the period.</param>
/// <param name="To">End of the period (exclusive).</param>
/// <param name="Currency">ISO currency of the amounts.</param>
/// <param name="GrossBookingValueCents">Totals of the bookings paid in the period.</param>
/// <param name="PlatformFeesCents">The platform's fees on those bookings, less fees given back with refunds.</param>
/// <param name="RefundsCents">Refunded in the period (bookings whose refund happened in it).</param>
/// <param name="TakeRate">platformFeesCents / grossBookingValueCents, 4 decimals (0 without bookings).</param>
/// <param name="BookingsByStatus">Bookings made in the period, per current status.</param>
/// <param name="NewUsersPerDay">Registrations per UTC day (days without any are left out).</param>
/// <param name="NewProvidersPerDay">Provider registrations per UTC day.</param>
public sealed record Response(DateTime From, DateTime To, string Currency, long GrossBookingValueCents, long PlatformFeesCents, long RefundsCents,
    decimal TakeRate, IReadOnlyDictionary<string, int> BookingsByStatus, IReadOnlyList<DayCount> NewUsersPerDay, IReadOnlyList<DayCount> NewProvidersPerDay);

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.To).GreaterThan(r => r.From).When(r => r.From is not null && r.To is not null).WithMessage("to must be after from.");
        RuleFor(r => r.To).Must((r, to) => to!.Value - r.From!.Value <= TimeSpan.FromDays(366))
            .When(r => r.From is not null && r.To is not null && r.To > r.From).WithMessage("The period is at most 366 days.");
    }
}
