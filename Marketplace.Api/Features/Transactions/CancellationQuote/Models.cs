using FastEndpoints;
using FluentValidation;

namespace Marketplace.Api.Features.Transactions.CancellationQuote;

public sealed record Request
{
    /// <summary>The booking (route).</summary>
    public long Id { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator() => RuleFor(r => r.Id).GreaterThan(0);
}

/// <summary>What POST /transactions/{id}/cancel by the caller would give back if it committed now.</summary>
public sealed record Response
{
    /// <summary>The policy applied: flexible, moderate, strict, or full (a provider's cancellation, or a booking without a start time).</summary>
    public required string Policy { get; init; }

    /// <summary>Share of the amount paid that is given back.</summary>
    public required int RefundPercent { get; init; }

    /// <summary>The refund (minor units of currency); 0 when nothing is paid.</summary>
    public required long RefundCents { get; init; }

    /// <summary>The part of the platform fee the refund gives back.</summary>
    public required long PlatformFeeRefundCents { get; init; }

    /// <summary>When the refund drops to the next step (UTC); null when it will not drop.</summary>
    public DateTime? NextStepAt { get; init; }

    /// <summary>The refund percent after nextStepAt.</summary>
    public int? NextStepPercent { get; init; }

    /// <summary>ISO currency of the amounts.</summary>
    public required string Currency { get; init; }
}
