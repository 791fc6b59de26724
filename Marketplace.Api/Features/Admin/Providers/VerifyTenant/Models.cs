using FastEndpoints;
using FluentValidation;

namespace Marketplace.Api.Features.Admin.Providers.VerifyTenant;

public sealed record Request
{
    /// <summary>The provider's id.</summary>
    public int Id { get; init; }

    /// <summary>How the link to the breeder tenant was checked (kept in the audit log), 1 to 500 characters.</summary>
    public string? Reason { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator() => RuleFor(r => r.Reason).AdminReason();
}
