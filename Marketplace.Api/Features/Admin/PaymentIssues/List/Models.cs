using System.Text.Json;
using FastEndpoints;
using FluentValidation;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Admin.PaymentIssues.List;

/// <summary>?kind=, ?limit=, ?cursor=.</summary>
public sealed record Request
{
    /// <summary>duplicate_payment | payment_after_cancel | amount_or_currency_mismatch | refund_mismatch | dispute_opened | dispute_lost</summary>
    public string? Kind { get; init; }

    /// <summary>Page size, 1 to 100 (default 20).</summary>
    public int? Limit { get; init; }

    /// <summary>nextCursor of the previous page.</summary>
    public string? Cursor { get; init; }
}

/// <summary>Something the Stripe webhook recorded and left to operators.</summary>
/// <param name="Id">The issue's id (its audit row).</param>
/// <param name="Kind">duplicate_payment | payment_after_cancel | amount_or_currency_mismatch | refund_mismatch | dispute_opened | dispute_lost</param>
/// <param name="InvoiceId">The invoice it concerns.</param>
/// <param name="TransactionId">Its booking.</param>
/// <param name="InvoiceStatus">The invoice's status now.</param>
/// <param name="DisputeStatus">The invoice's dispute status now, if any.</param>
/// <param name="Details">What the webhook recorded (charge, amounts, currency, dispute); an empty object when nothing was.</param>
/// <param name="CreatedAt">When it was recorded.</param>
public sealed record Item(long Id, string Kind, int InvoiceId, long? TransactionId, string? InvoiceStatus, string? DisputeStatus, JsonElement Details, DateTime CreatedAt);

/// <summary>The sort key of the last item of a page (newest first).</summary>
public sealed record Cursor(DateTime CreatedAt, long Id);

public sealed class Validator : Validator<Request>
{
    public static readonly string[] Kinds = ["duplicate_payment", "payment_after_cancel", "amount_or_currency_mismatch", "refund_mismatch", "dispute_opened", "dispute_lost"];

    public Validator()
    {
        RuleFor(r => r.Kind).Must(k => k is null || Kinds.Contains(k)).WithMessage($"kind must be one of {string.Join(", ", Kinds)}.");
        this.AddPagingRules(r => r.Limit, r => r.Cursor);
    }
}
