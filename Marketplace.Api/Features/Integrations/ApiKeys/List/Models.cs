using FastEndpoints;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Integrations.ApiKeys.List;

public sealed record Request
{
    /// <summary>Page size, 1-100 (default 20).</summary>
    public int? Limit { get; init; }

    /// <summary>The nextCursor of the previous page.</summary>
    public string? Cursor { get; init; }
}

/// <summary>The id of the last key of a page (newest first).</summary>
public sealed record Cursor(int Id);

public sealed class Validator : Validator<Request>
{
    public Validator() => this.AddPagingRules(r => r.Limit, r => r.Cursor);
}
