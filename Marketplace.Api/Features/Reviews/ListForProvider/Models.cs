using FastEndpoints;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Reviews.ListForProvider;

public sealed record Request
{
    public int Id { get; init; }

    /// <summary>Page size, 1-100 (default 20).</summary>
    public int? Limit { get; init; }

    /// <summary>The nextCursor of the previous page.</summary>
    public string? Cursor { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator() => this.AddPagingRules(r => r.Limit, r => r.Cursor);
}
