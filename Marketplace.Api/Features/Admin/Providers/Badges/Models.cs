using FastEndpoints;
using FluentValidation;

namespace Marketplace.Api.Features.Admin.Providers.Badges;

public sealed record Request
{
    /// <summary>The provider's id.</summary>
    public int Id { get; init; }

    /// <summary>The verifiedProvider badge (operators checked the business).</summary>
    public bool? VerifiedProvider { get; init; }

    /// <summary>The premiumProvider badge.</summary>
    public bool? PremiumProvider { get; init; }

    /// <summary>Why (kept in the audit log), 1 to 500 characters.</summary>
    public string? Reason { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.VerifiedProvider).NotNull().WithMessage("verifiedProvider is required (true or false).");
        RuleFor(r => r.PremiumProvider).NotNull().WithMessage("premiumProvider is required (true or false).");
        RuleFor(r => r.Reason).AdminReason();
    }
}
