using FastEndpoints;
using FluentValidation;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Features.Providers.Payouts;

public sealed record Request
{
    /// <summary>pending | in_transit | paid | failed | canceled; all when absent.</summary>
    public string? Status { get; init; }

    /// <summary>Items per page, 1-100 (default 20).</summary>
    public int? Limit { get; init; }

    /// <summary>The nextCursor of the previous page.</summary>
    public string? Cursor { get; init; }
}

/// <summary>The keyset position: the last payout's Stripe creation time and row id.</summary>
public sealed record Cursor(DateTime CreatedAt, long Id);

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.Status).Must(s => s is null || Payments.Payouts.Statuses.Contains(s))
            .WithMessage($"status must be one of {string.Join(", ", Payments.Payouts.Statuses)}.");
        this.AddPagingRules(r => r.Limit, r => r.Cursor);
    }
}
