using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Features.Listings;
using Marketplace.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Marketplace.Tests.Features.Listings.GetBySlug;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private static string Url(string slug) => $"/api/v1/marketplace/listings/{slug}";

    /// <summary>What the view job does: flush the views held, then publish the counts into viewCount.</summary>
    private async Task FlushViewsAsync()
    {
        var views = app.Factory.Services.GetRequiredService<ListingViews>();
        await views.FlushAsync(CancellationToken.None);
        await views.PublishAsync(CancellationToken.None);
    }

    [Fact]
    public async Task An_active_listing_is_public_and_each_viewer_counts_once_the_views_are_flushed()
    {
        var (owner, providerId) = await app.RegisterProviderAsync();
        var listing = await app.CreatePublishedListingAsync(owner);
        var slug = listing.GetProperty("slug").GetString()!;

        var first = await (await app.Client().GetAsync(Url(slug))).AssertJson(HttpStatusCode.OK);
        var visitor = await app.CreateAsync();
        await (await app.Client(visitor.AccessToken).GetAsync(Url(slug))).AssertJson(HttpStatusCode.OK);
        await FlushViewsAsync();
        var after = await (await app.Client(visitor.AccessToken).GetAsync(Url(slug))).AssertJson(HttpStatusCode.OK);

        Assert.Equal(listing.GetProperty("id").GetInt32(), first.GetProperty("id").GetInt32());
        Assert.Equal(providerId, first.GetProperty("provider").GetProperty("id").GetInt32());
        Assert.Equal(0, first.GetProperty("viewCount").GetInt32()); // counted in the background, not by the read itself
        Assert.Equal(2, after.GetProperty("viewCount").GetInt32());
    }

    [Fact]
    public async Task Concurrent_views_of_distinct_viewers_are_all_counted()
    {
        var (owner, _) = await app.RegisterProviderAsync();
        var listing = await app.CreatePublishedListingAsync(owner);
        var slug = listing.GetProperty("slug").GetString()!;
        var viewers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => app.CreateAsync()));

        await Task.WhenAll(viewers.Select(v => app.Client(v.AccessToken).GetAsync(Url(slug))));
        await FlushViewsAsync();

        using var db = app.Db();
        Assert.Equal(20, await db.Listings.Where(l => l.Slug == slug).Select(l => l.ViewCount).SingleAsync());
    }

    [Fact]
    public async Task The_owner_sees_a_draft_without_counting_a_view()
    {
        var (owner, _) = await app.RegisterProviderAsync();
        var slug = (await app.CreateListingAsync(owner)).GetProperty("slug").GetString()!;

        var json = await (await app.Client(owner.AccessToken).GetAsync(Url(slug))).AssertJson(HttpStatusCode.OK);

        Assert.Equal("draft", json.GetProperty("status").GetString());
        Assert.Equal(0, json.GetProperty("viewCount").GetInt32());
        await FlushViewsAsync();
        using (var db = app.Db())
        {
            Assert.Equal(0, await db.Listings.Where(l => l.Slug == slug).Select(l => l.ViewCount).SingleAsync());
        }
        await (await app.Client().GetAsync(Url(slug))).AssertProblem(HttpStatusCode.NotFound, "not_found");
        var (other, _) = await app.RegisterProviderAsync();
        await (await app.Client(other.AccessToken).GetAsync(Url(slug))).AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_listing_of_a_suspended_provider_is_hidden_from_the_public()
    {
        var (owner, providerId) = await app.RegisterProviderAsync();
        var slug = (await app.CreatePublishedListingAsync(owner)).GetProperty("slug").GetString()!;
        using (var db = app.Db())
        {
            await db.Providers.Where(p => p.Id == providerId).Set(p => p.Status, "suspended").UpdateAsync();
        }
        await (await app.Client().GetAsync(Url(slug))).AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task An_unknown_slug_is_404()
    {
        await (await app.Client().GetAsync(Url("no-such-listing-zz99"))).AssertProblem(HttpStatusCode.NotFound, "not_found");
    }
}
