using System.Net;
using System.Net.Http.Headers;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using Marketplace.Api.Features.Listings;
using Marketplace.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Marketplace.Tests.Platform;

/// <summary>
/// ETag / If-None-Match / Cache-Control on the public reads (README: conditional requests): a
/// listing, a provider's profile, both review lists and browse.
/// </summary>
public sealed class ConditionalRequestsTests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Base = "/api/v1/marketplace";

    /// <summary>
    /// One host for the class whose views are flushed only by hand: an anonymous read is a view,
    /// and a background flush between two reads would change the answer (and so its ETag).
    /// </summary>
    private static Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program>? host;
    private static readonly Lock HostGate = new();

    private Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> Host
    {
        get
        {
            lock (HostGate)
            {
                return host ??= app.Isolated(settings: new Dictionary<string, string?> { ["Marketplace:Views:FlushSeconds"] = "3600" });
            }
        }
    }

    private HttpClient Client(string? token)
    {
        var client = Host.CreateClient();
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return client;
    }

    private async Task<(TestProvider Provider, int Id, string Slug)> ListingAsync()
    {
        var provider = await app.CreateProviderAsync();
        var id = await app.CreateListingAsync(provider);
        using var db = app.Db();
        return (provider, id, await db.Listings.Where(l => l.Id == id).Select(l => l.Slug).SingleAsync());
    }

    private async Task<HttpResponseMessage> GetAsync(string url, string? ifNoneMatch = null, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (ifNoneMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        }
        return await Client(token).SendAsync(request);
    }

    private async Task<string> ETagAsync(string url, string? token = null)
    {
        var response = await GetAsync(url, token: token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var etag = response.Headers.ETag;
        Assert.NotNull(etag);
        Assert.False(etag.IsWeak);
        return etag.Tag;
    }

    /// <summary>Cache-Control as the server sent it (HttpClient's parsed value reorders the directives).</summary>
    private static string CacheControl(HttpResponseMessage response) => response.Headers.NonValidated["Cache-Control"].ToString();

    private static async Task AssertNotModifiedAsync(HttpResponseMessage response, string etag)
    {
        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Equal(etag, response.Headers.ETag?.Tag);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Contains("Authorization", response.Headers.Vary);
    }

    [Fact]
    public async Task A_listing_answers_a_strong_ETag_and_a_matching_If_None_Match_gets_304_without_a_body()
    {
        var (_, _, slug) = await ListingAsync();
        var url = $"{Base}/listings/{slug}";

        var ok = await GetAsync(url);
        var etag = ok.Headers.ETag!.Tag;

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.False(ok.Headers.ETag.IsWeak);
        Assert.Matches("^\"[A-Za-z0-9_-]+\"$", etag);
        Assert.Equal("public, max-age=30", CacheControl(ok));
        Assert.Contains("Authorization", ok.Headers.Vary);
        Assert.Equal(etag, (await GetAsync(url)).Headers.ETag?.Tag); // the same answer, the same tag
        var notModified = await GetAsync(url, etag);
        await AssertNotModifiedAsync(notModified, etag);
        Assert.Equal("public, max-age=30", CacheControl(notModified));
    }

    [Fact]
    public async Task If_None_Match_compares_weakly_and_takes_lists_and_the_star()
    {
        var (_, _, slug) = await ListingAsync();
        var url = $"{Base}/listings/{slug}";
        var etag = await ETagAsync(url);

        await AssertNotModifiedAsync(await GetAsync(url, $"W/{etag}"), etag);
        await AssertNotModifiedAsync(await GetAsync(url, $"\"other\", {etag}"), etag);
        await AssertNotModifiedAsync(await GetAsync(url, "*"), etag);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(url, "\"other\"")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(url, $"W/\"{etag.Trim('"')}x\"")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(url, etag.Trim('"'))).StatusCode); // unquoted: malformed, no condition
    }

    [Fact]
    public async Task The_listing_ETag_changes_when_the_listing_or_its_provider_summary_changes()
    {
        var (provider, id, slug) = await ListingAsync();
        var url = $"{Base}/listings/{slug}";
        var original = await ETagAsync(url);

        await (await app.Client(provider.Owner.AccessToken).PatchJson($"{Base}/listings/{id}", new { title = "A new title for the listing" })).AssertJson(HttpStatusCode.OK);
        var retitled = await ETagAsync(url);
        Assert.NotEqual(original, retitled);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(url, original)).StatusCode);

        await (await app.Client(provider.Owner.AccessToken).PatchJson($"{Base}/providers/me", new { businessName = "Renamed business" })).AssertJson(HttpStatusCode.OK);
        var renamed = await ETagAsync(url);
        Assert.NotEqual(retitled, renamed);
        var answer = await (await GetAsync(url, retitled)).AssertJson(HttpStatusCode.OK);
        Assert.Equal("Renamed business", answer.GetProperty("provider").GetProperty("businessName").GetString());
    }

    [Fact]
    public async Task A_view_changes_the_listing_ETag_once_it_is_counted_not_before()
    {
        var (_, _, slug) = await ListingAsync();
        var url = $"{Base}/listings/{slug}";
        var before = await ETagAsync(url); // this anonymous read is itself a view, held in memory

        Assert.Equal(before, await ETagAsync(url));
        await Host.Services.GetRequiredService<ListingViews>().FlushAsync(default);

        Assert.NotEqual(before, await ETagAsync(url)); // viewCount is in the body
    }

    [Fact]
    public async Task The_listing_ETag_is_the_version_of_its_two_rows_so_a_304_needs_neither_the_answer_nor_its_text()
    {
        var (provider, id, slug) = await ListingAsync();
        var url = $"{Base}/listings/{slug}";
        var etag = await ETagAsync(url, provider.Owner.AccessToken);

        uint[] versions;
        using (var db = app.Db())
        {
            var connection = (Npgsql.NpgsqlConnection)db.OpenDbConnection();
            await using var command = new Npgsql.NpgsqlCommand(
                "SELECT l.xmin, p.xmin FROM marketplace.service_listings l JOIN marketplace.providers p ON p.id = l.provider_id WHERE l.id = $1", connection);
            command.Parameters.Add(new Npgsql.NpgsqlParameter<int> { TypedValue = id });
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            versions = [reader.GetFieldValue<uint>(0), reader.GetFieldValue<uint>(1)];
        }

        Assert.Equal(Marketplace.Api.Infrastructure.ConditionalGets.VersionETag(versions), etag);
        await AssertNotModifiedAsync(await GetAsync(url, etag, provider.Owner.AccessToken), etag);
        // a write that leaves every value as it was still makes a new row version: a new tag, never a stale 304
        using (var db = app.Db())
        {
            await db.Listings.Where(l => l.Id == id).Set(l => l.Title, l => l.Title).UpdateAsync();
        }
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(url, etag, provider.Owner.AccessToken)).StatusCode);
    }

    [Fact]
    public async Task A_304_is_still_a_view_and_a_304_is_never_answered_for_a_listing_the_caller_may_not_see()
    {
        var (provider, id, slug) = await ListingAsync();
        var url = $"{Base}/listings/{slug}";
        var etag = await ETagAsync(url, provider.Owner.AccessToken); // the owner's read is no view
        var visitor = await app.CreateAsync();

        await AssertNotModifiedAsync(await GetAsync(url, etag, visitor.AccessToken), etag);
        await Host.Services.GetRequiredService<ListingViews>().FlushAsync(default);
        using (var db = app.Db())
        {
            Assert.Equal(1, await db.ExecuteAsync<int>("SELECT views_counted FROM marketplace.service_listings WHERE id = :id", new { id }));
        }

        // paused: the tag held from before means nothing to the public, the owner still gets its 304
        await (await app.Client(provider.Owner.AccessToken).PostAsync($"{Base}/listings/{id}/pause", null)).AssertJson(HttpStatusCode.OK);
        var paused = await ETagAsync(url, provider.Owner.AccessToken);
        await (await GetAsync(url, paused)).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await GetAsync(url, "*", visitor.AccessToken)).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await AssertNotModifiedAsync(await GetAsync(url, paused, provider.Owner.AccessToken), paused);
    }

    [Fact]
    public async Task The_provider_profile_ETag_is_its_row_version_and_a_provider_no_longer_public_gets_no_304()
    {
        var provider = await app.CreateProviderAsync();
        var url = $"{Base}/providers/{provider.Id}";
        var etag = await ETagAsync(url);

        using (var db = app.Db())
        {
            var version = await db.Providers.Where(p => p.Id == provider.Id).Select(p => Sql.Property<uint>(p, "xmin")).SingleAsync();
            Assert.Equal(Marketplace.Api.Infrastructure.ConditionalGets.VersionETag([version]), etag);
        }
        await AssertNotModifiedAsync(await GetAsync(url, etag), etag);

        using (var db = app.Db())
        {
            await db.Providers.Where(p => p.Id == provider.Id).Set(p => p.Status, "suspended").UpdateAsync();
        }
        await (await GetAsync(url, etag)).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await GetAsync(url, "*")).AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Reads_with_credentials_are_private_and_anonymous_ones_public()
    {
        var (provider, _, slug) = await ListingAsync();
        var url = $"{Base}/listings/{slug}";
        var visitor = await app.CreateAsync();

        var owner = await GetAsync(url, token: provider.Owner.AccessToken);
        var other = await GetAsync(url, token: visitor.AccessToken);
        var anonymous = await GetAsync(url);

        Assert.Equal("private, no-store", CacheControl(owner));
        Assert.Equal("private, no-store", CacheControl(other));
        Assert.Equal("public, max-age=30", CacheControl(anonymous));
        var etag = owner.Headers.ETag!.Tag;
        var notModified = await GetAsync(url, etag, provider.Owner.AccessToken);
        await AssertNotModifiedAsync(notModified, etag);
        Assert.Equal("private, no-store", CacheControl(notModified));
    }

    [Fact]
    public async Task A_provider_profile_both_review_lists_and_browse_answer_ETags_and_304()
    {
        var (provider, listingId, slug) = await ListingAsync();
        string[] urls =
        [
            $"{Base}/providers/{provider.Id}",
            $"{Base}/providers/{provider.Id}/reviews",
            $"{Base}/listings/{slug}/reviews",
            $"{Base}/listings?providerId={provider.Id}",
        ];
        var before = new Dictionary<string, string>();
        foreach (var url in urls)
        {
            var etag = await ETagAsync(url);
            await AssertNotModifiedAsync(await GetAsync(url, etag), etag);
            before[url] = etag;
        }

        await app.ReviewAsync(provider, 4, listingId);

        foreach (var url in urls)
        {
            // a review moves the provider's rating (in the profile and each listing's provider summary) and adds to both lists
            Assert.True(before[url] != await ETagAsync(url), $"{url} kept its ETag");
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(url, before[url])).StatusCode);
        }
        // the tag is the answer's: another query with the same answer shares it, one with another answer does not
        Assert.Equal(await ETagAsync($"{Base}/listings?providerId={provider.Id}"), await ETagAsync($"{Base}/listings?providerId={provider.Id}&sort=popular"));
        Assert.NotEqual(await ETagAsync($"{Base}/listings?providerId={provider.Id}"), await ETagAsync($"{Base}/listings?providerId={provider.Id}&category=vet"));
    }

    [Fact]
    public async Task An_error_answer_carries_no_ETag_and_is_not_stored()
    {
        var response = await GetAsync($"{Base}/listings/no-such-listing-zz98", "*");

        await response.AssertProblem(HttpStatusCode.NotFound, "not_found");
        Assert.Null(response.Headers.ETag);
        Assert.True(response.Headers.CacheControl?.NoStore);

        // a provider's profile is written as it is built (tagged by its row version, never held): its errors get the same headers
        var provider = await GetAsync($"{Base}/providers/2147483000", "*");
        await provider.AssertProblem(HttpStatusCode.NotFound, "not_found");
        Assert.Null(provider.Headers.ETag);
        Assert.True(provider.Headers.CacheControl?.NoStore);
        Assert.Contains("Authorization", provider.Headers.Vary);
    }

    [Fact]
    public async Task The_public_max_age_is_a_setting()
    {
        var (_, _, slug) = await ListingAsync();
        using var host = app.Isolated(settings: new Dictionary<string, string?> { ["Marketplace:Caching:PublicMaxAgeSeconds"] = "120" });

        var response = await host.CreateClient().GetAsync($"{Base}/listings/{slug}");

        Assert.Equal(new CacheControlHeaderValue { Public = true, MaxAge = TimeSpan.FromSeconds(120) }, response.Headers.CacheControl);
    }
}
