using FastEndpoints;
using FluentValidation;

namespace Marketplace.Api.Features.Admin.Reviews.Remove;

public sealed record Request
{
    /// <summary>The review's id.</summary>
    public int Id { get; init; }

    /// <summary>Why (kept in the audit log), 1 to 500 characters.</summary>
    public string? Reason { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator() => RuleFor(r => r.Reason).AdminReason();
}
