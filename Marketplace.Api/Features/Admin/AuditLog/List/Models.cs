using FastEndpoints;
using FluentValidation;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Admin.AuditLog.List;

/// <summary>?entityType=, ?entityId=, ?actorId=, ?from=, ?to=, ?limit=, ?cursor=.</summary>
public sealed record Request
{
    /// <summary>transaction | invoice | provider | listing | review | user</summary>
    public string? EntityType { get; init; }

    /// <summary>One record of that type (needs entityType).</summary>
    public long? EntityId { get; init; }

    /// <summary>Rows written by this user's actions.</summary>
    public int? ActorId { get; init; }

    /// <summary>From this time on (inclusive, ISO-8601 UTC).</summary>
    public DateTime? From { get; init; }

    /// <summary>Before this time (exclusive, ISO-8601 UTC).</summary>
    public DateTime? To { get; init; }

    /// <summary>Page size, 1 to 100 (default 20).</summary>
    public int? Limit { get; init; }

    /// <summary>nextCursor of the previous page.</summary>
    public string? Cursor { get; init; }
}

/// <summary>The sort key of the last item of a page (newest first).</summary>
public sealed record Cursor(DateTime CreatedAt, long Id);

public sealed class Validator : Validator<Request>
{
    public static readonly string[] EntityTypes = ["transaction", "invoice", "provider", "listing", "review", "user"];

    public Validator()
    {
        RuleFor(r => r.EntityType).Must(t => t is null || EntityTypes.Contains(t)).WithMessage($"entityType must be one of {string.Join(", ", EntityTypes)}.");
        RuleFor(r => r.EntityId).GreaterThan(0);
        RuleFor(r => r.EntityType).NotNull().When(r => r.EntityId is not null).WithMessage("entityId needs entityType.");
        RuleFor(r => r.ActorId).GreaterThan(0);
        RuleFor(r => r.To).GreaterThan(r => r.From).When(r => r.From is not null && r.To is not null).WithMessage("to must be after from.");
        this.AddPagingRules(r => r.Limit, r => r.Cursor);
    }
}
