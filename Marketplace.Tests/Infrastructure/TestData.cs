using LinqToDB;
using Marketplace.Api.Data;

namespace Marketplace.Tests.Infrastructure;

/// <summary>A provider made for one test: its owner (logged in) and its row id.</summary>
public sealed record TestProvider(TestUser Owner, int Id, string? StripeAccountId);

/// <summary>
/// Builds providers and listings straight into the database, for tests of slices that need them
/// but are not about creating them. Counters are kept as the API keeps them, so later API calls
/// on these rows leave them exact.
/// </summary>
public static class TestData
{
    /// <summary>An active provider (stripe_connect with a charge-ready account, unless paymentMode says otherwise).</summary>
    public static async Task<TestProvider> CreateProviderAsync(this AppFixture app, string paymentMode = "stripe_connect", string status = "active", string? businessName = null)
    {
        var owner = await app.CreateAsync();
        using var db = app.Db();
        var now = DateTime.UtcNow;
        var account = paymentMode == "stripe_connect" ? $"acct_test{Guid.NewGuid():N}"[..26] : null;
        var id = await db.InsertWithInt32IdentityAsync(new ProviderRow
        {
            UserId = owner.Id,
            ProviderType = "service_provider",
            BusinessName = businessName ?? $"Provider {Guid.NewGuid():N}"[..20],
            City = "Austin",
            State = "TX",
            Country = "US",
            PaymentMode = paymentMode,
            StripeConnectAccountId = account,
            StripeConnectOnboardingComplete = account is not null,
            StripeConnectPayoutsEnabled = account is not null,
            StripeConnectDetailsSubmitted = account is not null,
            TimeZone = "America/Chicago",
            Status = status,
            ActivatedAt = status == "active" ? now : null,
            CreatedAt = now,
            UpdatedAt = now,
        });
        await db.Users.Where(u => u.Id == owner.Id).Set(u => u.UserType, "provider").UpdateAsync();
        return new TestProvider(owner, id, account);
    }

    /// <summary>A listing of the provider, active by default, with the provider's counters moved to match.</summary>
    public static async Task<int> CreateListingAsync(this AppFixture app, TestProvider provider, string status = "active",
        string priceType = "fixed", long? priceCents = 5000, string category = "grooming", string? title = null)
    {
        using var db = app.Db();
        var now = DateTime.UtcNow;
        var suffix = Guid.NewGuid().ToString("N")[..8];
        title ??= $"Dog grooming {suffix}";
        var id = await db.InsertWithInt32IdentityAsync(new ListingRow
        {
            ProviderId = provider.Id,
            Slug = $"listing-{suffix}",
            Title = title,
            Description = "A test listing.",
            Category = category,
            PriceType = priceType,
            PriceCents = priceType is "contact" or "custom" ? null : priceCents,
            City = "Austin",
            State = "TX",
            Zip = "78701",
            Status = status,
            PublishedAt = status is "active" or "paused" ? now : null,
            PausedAt = status == "paused" ? now : null,
            CreatedAt = now,
            UpdatedAt = now,
        });
        await db.Providers.Where(p => p.Id == provider.Id)
            .Set(p => p.TotalListings, p => p.TotalListings + 1)
            .Set(p => p.ActiveListings, p => p.ActiveListings + (status == "active" ? 1 : 0))
            .UpdateAsync();
        return id;
    }
}
