using System.Net;
using System.Text.Json;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Listings;

/// <summary>Providers and listings made through the API, for the provider and listing tests.</summary>
public static class ListingsApi
{
    public const string Base = "/api/v1/marketplace";

    /// <summary>Registers a new verified user as a provider (manual: active at once; stripe_connect: pending).</summary>
    public static async Task<(TestUser Owner, int ProviderId)> RegisterProviderAsync(this AppFixture app, string paymentMode = "manual",
        Action<Dictionary<string, object?>>? change = null)
    {
        var owner = await app.CreateAsync();
        var body = new Dictionary<string, object?>
        {
            ["businessName"] = $"Paws {Guid.NewGuid():N}"[..20],
            ["paymentMode"] = paymentMode,
            ["city"] = "Austin",
            ["state"] = "TX",
            ["timeZone"] = "America/Chicago",
        };
        change?.Invoke(body);
        var json = await (await app.Client(owner.AccessToken).PostJson($"{Base}/providers/register", body)).AssertJson(HttpStatusCode.Created);
        return (owner, json.GetProperty("id").GetInt32());
    }

    /// <summary>A complete listing body (publishable as it is); <paramref name="change"/> edits it.</summary>
    public static Dictionary<string, object?> ListingBody(Action<Dictionary<string, object?>>? change = null)
    {
        var body = new Dictionary<string, object?>
        {
            ["title"] = "Dog grooming in Austin",
            ["description"] = "Full groom: bath, haircut, nails and ears.",
            ["category"] = "grooming",
            ["subcategory"] = "full_groom",
            ["priceCents"] = 6500,
            ["priceType"] = "fixed",
            ["images"] = new[] { "https://img.example.test/1.jpg", "https://img.example.test/2.jpg" },
            ["city"] = "Austin",
            ["state"] = "TX",
            ["zip"] = "78701",
            ["duration"] = "2 hours",
            ["availability"] = "Weekdays",
            ["keywords"] = "groomer bath haircut",
        };
        change?.Invoke(body);
        return body;
    }

    public static async Task<JsonElement> CreateListingAsync(this AppFixture app, TestUser owner, Action<Dictionary<string, object?>>? change = null) =>
        await (await app.Client(owner.AccessToken).PostJson($"{Base}/listings", ListingBody(change))).AssertJson(HttpStatusCode.Created);

    public static async Task<JsonElement> CreatePublishedListingAsync(this AppFixture app, TestUser owner, Action<Dictionary<string, object?>>? change = null)
    {
        var created = await app.CreateListingAsync(owner, change);
        var id = created.GetProperty("id").GetInt32();
        return await (await app.Client(owner.AccessToken).PostAsync($"{Base}/listings/{id}/publish", null)).AssertJson(HttpStatusCode.OK);
    }

    /// <summary>Asserts the provider's counters equal what its listing rows say (DESIGN: statistics stay exact).</summary>
    public static async Task AssertCountersExactAsync(this AppFixture app, int providerId)
    {
        using var db = app.Db();
        var stored = await db.Providers.Where(p => p.Id == providerId).Select(p => new { p.TotalListings, p.ActiveListings }).SingleAsync();
        var total = await db.Listings.CountAsync(l => l.ProviderId == providerId && l.DeletedAt == null);
        var active = await db.Listings.CountAsync(l => l.ProviderId == providerId && l.DeletedAt == null && l.Status == "active");
        Assert.Equal(total, stored.TotalListings);
        Assert.Equal(active, stored.ActiveListings);
    }

    /// <summary>The audit rows of one entity, oldest first, as "action:from->to".</summary>
    public static async Task<List<string>> AuditTrailAsync(this AppFixture app, string entityType, long entityId)
    {
        using var db = app.Db();
        var rows = await db.AuditLog.Where(a => a.EntityType == entityType && a.EntityId == entityId).OrderBy(a => a.Id)
            .Select(a => new { a.Action, a.FromStatus, a.ToStatus }).ToListAsync();
        return [.. rows.Select(a => $"{a.Action}:{a.FromStatus}->{a.ToStatus}")];
    }
}
