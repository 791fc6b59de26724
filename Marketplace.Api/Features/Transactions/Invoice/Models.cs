using FastEndpoints;
using FluentValidation;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Features.Transactions.Invoice;

/// <summary>The provider's price for a pending request, and the tax rate (0 to 1, four decimals; 0.0825 is 8.25 %).</summary>
public sealed record Request
{
    public long Id { get; init; }
    public long? ServicePriceCents { get; init; }
    public decimal? TaxRate { get; init; }

    /// <summary>Shown to the client on the invoice.</summary>
    public string? Notes { get; init; }

    /// <summary>For the provider only; never shown to the client.</summary>
    public string? InternalNotes { get; init; }

    public DateTime? DueAt { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.Id).GreaterThan(0);
        RuleFor(r => r.ServicePriceCents).NotNull().InclusiveBetween(1, Money.MaxPriceCents);
        RuleFor(r => r.TaxRate).Must(r => r is null || Money.IsValidTaxRate(r.Value))
            .WithMessage("taxRate must be between 0 and 1 with at most four decimals (0.0825 for 8.25 %).");
        RuleFor(r => r.Notes).MaximumLength(2000);
        RuleFor(r => r.InternalNotes).MaximumLength(2000);
    }
}
