using FastEndpoints;
using FluentValidation;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Admin.Reviews.List;

/// <summary>?status=, ?providerId=, ?limit=, ?cursor=.</summary>
public sealed record Request
{
    /// <summary>published | flagged | removed (default flagged: the moderation queue).</summary>
    public string? Status { get; init; }

    /// <summary>Only this provider's reviews.</summary>
    public int? ProviderId { get; init; }

    /// <summary>Page size, 1 to 100 (default 20).</summary>
    public int? Limit { get; init; }

    /// <summary>nextCursor of the previous page.</summary>
    public string? Cursor { get; init; }
}

/// <summary>The sort key of the last item of a page (newest first).</summary>
public sealed record Cursor(DateTime CreatedAt, int Id);

public sealed class Validator : Validator<Request>
{
    public static readonly string[] Statuses = ["published", "flagged", "removed"];

    public Validator()
    {
        RuleFor(r => r.Status).Must(s => s is null || Statuses.Contains(s)).WithMessage($"status must be one of {string.Join(", ", Statuses)}.");
        RuleFor(r => r.ProviderId).GreaterThan(0);
        this.AddPagingRules(r => r.Limit, r => r.Cursor);
    }
}
