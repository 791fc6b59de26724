using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Auth;
using Marketplace.Api.Features.Invoices;
using Marketplace.Api.Features.Listings;
using Marketplace.Api.Features.Providers;
using Marketplace.Api.Features.Transactions;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Features.Integrations.Events;

/// <summary>
/// The event of a change to one resource, with <c>data</c> loaded the way the resource's GET
/// answers it and the resource's parties as its audience. Call it inside the change's transaction,
/// after the change, with the same <see cref="Db"/> (so it reads the changed row and rolls back with it).
/// Bookings and invoices are loaded as their client sees them: the provider's internal notes never
/// reach an event the client may read.
/// </summary>
public static class ResourceEvents
{
    public static async Task UserAsync(Db db, TimeProvider clock, string type, int userId, CancellationToken ct)
    {
        var user = await UserProfiles.GetAsync(db, userId, ct) ?? throw new InvalidOperationException($"user {userId} vanished inside its own change");
        await DomainEvents.AppendAsync(db, clock, new DomainEvent(type, "user", Id(userId), user, [userId]), ct);
    }

    public static async Task ProviderAsync(Db db, TimeProvider clock, string type, int providerId, CancellationToken ct)
    {
        var provider = await ProviderProfile.LoadAsync(db, providerId, ct) ?? throw new InvalidOperationException($"provider {providerId} vanished inside its own change");
        await DomainEvents.AppendAsync(db, clock, new DomainEvent(type, "provider", Id(providerId), provider, [provider.UserId]), ct);
    }

    /// <summary>A listing's event; <paramref name="asBefore"/> for a deletion (the listing is no longer readable after it).</summary>
    public static async Task ListingAsync(Db db, TimeProvider clock, string type, int listingId, CancellationToken ct, ListingDetails? asBefore = null)
    {
        var listing = asBefore ?? await ListingDetails.LoadAsync(db, listingId, ct) ?? throw new InvalidOperationException($"listing {listingId} vanished inside its own change");
        var owner = await ProviderUserAsync(db, listing.Provider.Id, ct);
        await DomainEvents.AppendAsync(db, clock, new DomainEvent(type, "listing", Id(listingId), listing, [owner]), ct);
    }

    public static async Task TransactionAsync(Db db, TimeProvider clock, MarketplaceOptions options, string type, long transactionId, CancellationToken ct)
    {
        var view = await TransactionViews.LoadAsync(db, transactionId, PartyRole.Client, options.Currency, ct);
        var owner = await ProviderUserAsync(db, view.ProviderId, ct);
        await DomainEvents.AppendAsync(db, clock, new DomainEvent(type, "transaction", Id(transactionId), view, [view.ClientId, owner]), ct);
    }

    public static async Task InvoiceAsync(Db db, TimeProvider clock, MarketplaceOptions options, string type, int invoiceId, CancellationToken ct)
    {
        var view = await InvoiceViews.LoadAsync(db, invoiceId, PartyRole.Client, options.Currency, ct);
        var owner = await ProviderUserAsync(db, view.ProviderId, ct);
        await DomainEvents.AppendAsync(db, clock, new DomainEvent(type, "invoice", Id(invoiceId), view, [view.ClientId, owner]), ct);
    }

    /// <summary>
    /// A review's event: the review as the public review lists (<c>GET /providers/{id}/reviews</c>,
    /// <c>GET /listings/{slug}/reviews</c>) answer it, the same shape whatever happened to it (the type says what).
    /// </summary>
    public static async Task ReviewAsync(Db db, TimeProvider clock, string type, int reviewId, CancellationToken ct)
    {
        var (review, clientId) = await Reviews.PublishedReviews.LoadAsync(db, reviewId, ct);
        var owner = await ProviderUserAsync(db, review.ProviderId, ct);
        await DomainEvents.AppendAsync(db, clock, new DomainEvent(type, "review", Id(reviewId), review, [clientId, owner]), ct);
    }

    /// <summary>A message's event; <paramref name="data"/> is the message as the send endpoint answers it.</summary>
    public static async Task MessageAsync(Db db, TimeProvider clock, long messageId, int clientId, int providerId, object data, CancellationToken ct)
    {
        var owner = await ProviderUserAsync(db, providerId, ct);
        await DomainEvents.AppendAsync(db, clock, new DomainEvent(EventTypes.MessageSent, "message", Id(messageId), data, [clientId, owner]), ct);
    }

    private static Task<int> ProviderUserAsync(Db db, int providerId, CancellationToken ct) =>
        db.Providers.Where(p => p.Id == providerId).Select(p => p.UserId).FirstAsync(ct);

    private static string Id(long id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
