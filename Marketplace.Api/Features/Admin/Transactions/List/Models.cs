using FastEndpoints;
using FluentValidation;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Features.Admin.Transactions.List;

/// <summary>?status=, ?providerId=, ?clientId=, ?limit=, ?cursor=.</summary>
public sealed record Request
{
    /// <summary>pending | invoiced | paid | in_progress | completed | cancelled | refunded</summary>
    public string? Status { get; init; }

    /// <summary>Only this provider's bookings.</summary>
    public int? ProviderId { get; init; }

    /// <summary>Only this client's bookings.</summary>
    public int? ClientId { get; init; }

    /// <summary>Page size, 1 to 100 (default 20).</summary>
    public int? Limit { get; init; }

    /// <summary>nextCursor of the previous page.</summary>
    public string? Cursor { get; init; }
}

/// <summary>A booking as operators see it.</summary>
/// <param name="Id">The transaction's id.</param>
/// <param name="Status">pending | invoiced | paid | in_progress | completed | cancelled | refunded</param>
/// <param name="ClientId">The client.</param>
/// <param name="ProviderId">The provider.</param>
/// <param name="ListingId">The listing, if any.</param>
/// <param name="Currency">ISO currency of the amounts.</param>
/// <param name="ServicePriceCents">Service price.</param>
/// <param name="PlatformFeeCents">The platform's fee.</param>
/// <param name="TotalCents">Total charged.</param>
/// <param name="RefundAmountCents">Refunded so far.</param>
/// <param name="InvoiceId">Its invoice, if any.</param>
/// <param name="CancelledBy">client | provider | admin, when cancelled.</param>
/// <param name="CreatedAt">When it was booked.</param>
/// <param name="PaidAt">When it was paid.</param>
public sealed record Item(long Id, string Status, int ClientId, int ProviderId, int? ListingId, string Currency, long ServicePriceCents,
    long PlatformFeeCents, long TotalCents, long RefundAmountCents, int? InvoiceId, string? CancelledBy, DateTime CreatedAt, DateTime? PaidAt);

/// <summary>The sort key of the last item of a page (newest first).</summary>
public sealed record Cursor(DateTime CreatedAt, long Id);

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.Status).Must(s => s is null || Bookings.TransactionStatuses.Contains(s))
            .WithMessage($"status must be one of {string.Join(", ", Bookings.TransactionStatuses)}.");
        RuleFor(r => r.ProviderId).GreaterThan(0);
        RuleFor(r => r.ClientId).GreaterThan(0);
        this.AddPagingRules(r => r.Limit, r => r.Cursor);
    }
}
