using FastEndpoints;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Messages.GetThread;

public sealed record Request
{
    public int Id { get; init; }

    /// <summary>Messages per page, 1-100 (default 20).</summary>
    public int? Limit { get; init; }

    /// <summary>The messages' nextCursor of the previous page (older messages).</summary>
    public string? Cursor { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator() => this.AddPagingRules(r => r.Limit, r => r.Cursor);
}

/// <summary>A thread with a page of its messages, newest first.</summary>
/// <param name="Role">My side of the thread: client or provider.</param>
/// <param name="OtherPartyLastReadAt">When the other side last read the thread (read receipts).</param>
public sealed record Response(
    int Id,
    [OneOf("client", "provider")] string Role,
    OtherParty OtherParty,
    int ClientId,
    int ProviderId,
    string? Subject,
    int? ListingId,
    long? TransactionId,
    [OneOf("open", "closed", "archived")] string Status,
    DateTime CreatedAt,
    DateTime? LastMessageAt,
    DateTime? OtherPartyLastReadAt,
    CursorPage<Message> Messages);

/// <param name="Mine">Sent by the caller.</param>
public sealed record Message(long Id, int SenderId, bool Mine, string Body, DateTime CreatedAt);

/// <summary>Sort key of the messages: newest first.</summary>
internal sealed record Key(DateTime CreatedAt, long Id);
