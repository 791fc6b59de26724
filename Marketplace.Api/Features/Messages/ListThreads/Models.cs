using FastEndpoints;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Messages.ListThreads;

public sealed record Request
{
    /// <summary>Page size, 1-100 (default 20).</summary>
    public int? Limit { get; init; }

    /// <summary>The nextCursor of the previous page.</summary>
    public string? Cursor { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator() => this.AddPagingRules(r => r.Limit, r => r.Cursor);
}

/// <summary>One of my threads, as client or as provider.</summary>
/// <param name="Role">My side of the thread: client or provider.</param>
/// <param name="UnreadCount">Messages of the other side I have not read yet.</param>
public sealed record Response(
    int Id,
    [OneOf("client", "provider")] string Role,
    OtherParty OtherParty,
    string? Subject,
    int? ListingId,
    long? TransactionId,
    [OneOf("open", "closed", "archived")] string Status,
    string? LastMessagePreview,
    DateTime? LastMessageAt,
    int UnreadCount,
    DateTime CreatedAt);

/// <summary>Sort key of the list: newest activity first.</summary>
internal sealed record Key(DateTime LastMessageAt, int Id);
