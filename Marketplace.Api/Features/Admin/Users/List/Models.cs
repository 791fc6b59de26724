using FastEndpoints;
using FluentValidation;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Admin.Users.List;

/// <summary>?q=, ?status=, ?limit=, ?cursor=.</summary>
public sealed record Request
{
    /// <summary>Part of the e-mail address or of the name (case-insensitive), 1 to 100 characters.</summary>
    public string? Q { get; init; }

    /// <summary>active | suspended | deleted</summary>
    public string? Status { get; init; }

    /// <summary>Page size, 1 to 100 (default 20).</summary>
    public int? Limit { get; init; }

    /// <summary>nextCursor of the previous page.</summary>
    public string? Cursor { get; init; }
}

/// <summary>A user in the operators' list.</summary>
/// <param name="Id">The user's id.</param>
/// <param name="Email">E-mail address.</param>
/// <param name="FirstName">First name.</param>
/// <param name="LastName">Last name.</param>
/// <param name="Status">active | suspended | deleted</param>
/// <param name="IsAdmin">An operator.</param>
/// <param name="ProviderId">The user's provider, if any.</param>
/// <param name="CreatedAt">Registration time.</param>
public sealed record Item(int Id, string Email, string? FirstName, string? LastName, string Status, bool IsAdmin, int? ProviderId, DateTime CreatedAt);

/// <summary>The sort key of the last item of a page (newest first).</summary>
public sealed record Cursor(DateTime CreatedAt, int Id);

public sealed class Validator : Validator<Request>
{
    public static readonly string[] Statuses = ["active", "suspended", "deleted"];

    public Validator()
    {
        RuleFor(r => r.Q).Must(q => q is null || q.Trim().Length is >= 1 and <= 100).WithMessage("q must be 1 to 100 characters.");
        RuleFor(r => r.Status).Must(s => s is null || Statuses.Contains(s)).WithMessage($"status must be one of {string.Join(", ", Statuses)}.");
        this.AddPagingRules(r => r.Limit, r => r.Cursor);
    }
}
