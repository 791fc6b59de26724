using FastEndpoints;
using FluentValidation;

namespace Marketplace.Api.Features.Admin.Users.Reinstate;

public sealed record Request
{
    /// <summary>The user's id.</summary>
    public int Id { get; init; }

    /// <summary>Why the suspension ends (kept in the audit log), 1 to 500 characters.</summary>
    public string? Reason { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator() => RuleFor(r => r.Reason).AdminReason();
}
