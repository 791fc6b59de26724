using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Messages.StartThread;

/// <summary>Who talks with whom about what: the key of "one open thread per client, provider and topic".</summary>
internal sealed record Topic(int ClientId, int ProviderId, int? ListingId, long? TransactionId, string? DefaultSubject, bool CountsInquiry);

internal sealed record TransactionTopic(int ProviderId, string ServiceDescription);

internal sealed record ListingTopic(int ProviderId, string Title);

internal sealed record ProviderTarget(int UserId, string Status);

internal static class Data
{
    public static Task<TransactionTopic?> ClientTransactionAsync(Db db, long transactionId, int clientId, CancellationToken ct) =>
        db.Transactions.Where(t => t.Id == transactionId && t.ClientId == clientId)
            .Select(t => new TransactionTopic(t.ProviderId, t.ServiceDescription))
            .FirstOrDefaultAsync(ct);

    public static Task<TransactionTopic?> ProviderTransactionAsync(Db db, long transactionId, int providerId, int clientId, CancellationToken ct) =>
        db.Transactions.Where(t => t.Id == transactionId && t.ProviderId == providerId && t.ClientId == clientId)
            .Select(t => new TransactionTopic(t.ProviderId, t.ServiceDescription))
            .FirstOrDefaultAsync(ct);

    public static Task<bool> HaveTransactedAsync(Db db, int providerId, int clientId, CancellationToken ct) =>
        db.Transactions.AnyAsync(t => t.ProviderId == providerId && t.ClientId == clientId, ct);

    /// <summary>A listing the public can ask about: published and live.</summary>
    public static Task<ListingTopic?> ActiveListingAsync(Db db, int listingId, CancellationToken ct) =>
        db.Listings.Where(l => l.Id == listingId && l.Status == "active" && l.DeletedAt == null)
            .Select(l => new ListingTopic(l.ProviderId, l.Title))
            .FirstOrDefaultAsync(ct);

    public static Task<ListingTopic?> OwnListingAsync(Db db, int listingId, int providerId, CancellationToken ct) =>
        db.Listings.Where(l => l.Id == listingId && l.ProviderId == providerId && l.DeletedAt == null)
            .Select(l => new ListingTopic(l.ProviderId, l.Title))
            .FirstOrDefaultAsync(ct);

    public static Task<ProviderTarget?> ProviderAsync(Db db, int providerId, CancellationToken ct) =>
        db.Providers.Where(p => p.Id == providerId && p.DeletedAt == null && p.Status != "deleted")
            .Select(p => new ProviderTarget(p.UserId, p.Status))
            .FirstOrDefaultAsync(ct);

    public static Task<bool> ClientIsLiveAsync(Db db, int userId, CancellationToken ct) =>
        db.Users.AnyAsync(u => u.Id == userId && u.DeletedAt == null && u.Status == "active", ct);

    public static Task<int?> OpenThreadAsync(Db db, Topic topic, CancellationToken ct) =>
        db.MessageThreads
            .Where(t => t.ClientId == topic.ClientId && t.ProviderId == topic.ProviderId && t.Status == "open"
                        && (topic.ListingId == null ? t.ListingId == null : t.ListingId == topic.ListingId)
                        && (topic.TransactionId == null ? t.TransactionId == null : t.TransactionId == topic.TransactionId))
            .Select(t => (int?)t.Id)
            .FirstOrDefaultAsync(ct);

    /// <summary>
    /// Creates the open thread of this topic unless one exists; null when another request created
    /// it first (ux_message_threads_open_topic: ON CONFLICT waits for that request and yields).
    /// </summary>
    public static Task<int?> InsertIfAbsentAsync(Db db, Topic topic, string? subject, DateTime now, CancellationToken ct) =>
        db.ExecuteAsync<int?>("""
            INSERT INTO marketplace.message_threads
                (client_id, provider_id, listing_id, transaction_id, subject, status, last_message_at, created_at, updated_at)
            VALUES (@client, @provider, @listing, @transaction, @subject, 'open', @now, @now, @now)
            ON CONFLICT (client_id, provider_id, COALESCE(listing_id, 0), COALESCE(transaction_id, 0)) WHERE status = 'open'
            DO NOTHING
            RETURNING id
            """, ct,
            new DataParameter("client", topic.ClientId, DataType.Int32),
            new DataParameter("provider", topic.ProviderId, DataType.Int32),
            new DataParameter("listing", topic.ListingId, DataType.Int32),
            new DataParameter("transaction", topic.TransactionId, DataType.Int64),
            new DataParameter("subject", subject, DataType.NVarChar),
            new DataParameter("now", now, DataType.DateTimeOffset));

    /// <summary>Seed: service_listings.inquiry_count, one per thread a client starts about the listing.</summary>
    public static Task<int> CountInquiryAsync(Db db, int listingId, CancellationToken ct) =>
        db.Listings.Where(l => l.Id == listingId)
            .Set(l => l.InquiryCount, l => l.InquiryCount + 1)
            .UpdateAsync(ct);

    public static Task<MessageRow?> LastMessageAsync(Db db, int threadId, CancellationToken ct) =>
        db.Messages.Where(m => m.ThreadId == threadId)
            .OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id)
            .FirstOrDefaultAsync(ct);
}
