using FastEndpoints;
using FluentValidation;

namespace Marketplace.Api.Features.Listings.Availability.AddException;

public sealed record Request
{
    /// <summary>The listing (route).</summary>
    public int Id { get; init; }

    /// <summary>Start (UTC, ISO-8601).</summary>
    public DateTime? Start { get; init; }

    /// <summary>End, exclusive (UTC); at most 366 days after start.</summary>
    public DateTime? End { get; init; }

    /// <summary>0 closes the period (a holiday); 1-1000 opens it with that capacity, also outside the weekly plan.</summary>
    public int? Seats { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.Start).NotNull();
        RuleFor(r => r.End).NotNull();
        RuleFor(r => r.End).GreaterThan(r => r.Start).When(r => r.Start is not null && r.End is not null).WithMessage("end must be after start.");
        RuleFor(r => r.End).Must((r, end) => end!.Value.ToUniversalTime() - r.Start!.Value.ToUniversalTime() <= TimeSpan.FromDays(366))
            .When(r => r.Start is not null && r.End is not null).WithMessage("An exception spans at most 366 days.");
        RuleFor(r => r.Seats).NotNull().InclusiveBetween(0, 1000);
    }
}
