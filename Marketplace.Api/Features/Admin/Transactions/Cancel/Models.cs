using FastEndpoints;
using FluentValidation;

namespace Marketplace.Api.Features.Admin.Transactions.Cancel;

public sealed record Request
{
    /// <summary>The transaction's id.</summary>
    public long Id { get; init; }

    /// <summary>Why the operator cancels (shown to both parties, kept in the audit log), 1 to 500 characters.</summary>
    public string? Reason { get; init; }

    /// <summary>How much of what is still refundable goes back to the client, 0 to 100 (percent, rounded half up to the cent).</summary>
    public int? RefundPercent { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.Reason).AdminReason();
        RuleFor(r => r.RefundPercent).NotNull().WithMessage("refundPercent is required (0 to 100).").InclusiveBetween(0, 100);
    }
}
