using FastEndpoints;
using FluentValidation;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Features.Transactions.List;

/// <summary>?role=client|provider (default both), ?status=, ?limit=, ?cursor=.</summary>
public sealed record Request
{
    public string? Role { get; init; }
    public string? Status { get; init; }
    public int? Limit { get; init; }
    public string? Cursor { get; init; }
}

public sealed record Item(
    long Id,
    [OneOf("client", "provider")] string Role,
    [OneOf(typeof(Payments.Bookings), nameof(Payments.Bookings.TransactionStatuses))] string Status,
    int ClientId,
    int ProviderId,
    string ProviderBusinessName,
    int? ListingId,
    string? ListingTitle,
    string ServiceDescription,
    string Currency,
    long TotalCents,
    int? InvoiceId,
    DateTime CreatedAt,
    DateTime? PaidAt);

/// <summary>The sort key of the last item of a page (newest first).</summary>
public sealed record Cursor(DateTime CreatedAt, long Id);

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.Role).OneOf(PartyRole.Client, PartyRole.Provider);
        RuleFor(r => r.Status).OneOf(Bookings.TransactionStatuses);
        this.AddPagingRules(r => r.Limit, r => r.Cursor);
    }
}
