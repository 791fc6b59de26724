using System.Net;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using Marketplace.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Marketplace.Tests.Platform;

/// <summary>
/// A request holds at most one connection of the API's pool at a time. Were it to hold one (the
/// scoped Db's, kept open by linq2db until the request ends) while it waits for a second (a direct
/// read's), then as many such requests at once as the pool has connections would each hold one and
/// wait for another until the pool's timeout: every request of the burst a 503, found in
/// benchmarks/ListingSearch at the first relevance searches of a fresh API. Each test fires six
/// times the pool's size at once, on a host of its own (its own pool of two connections and a 3 s
/// wait for one), and failed every time before the fix.
/// </summary>
public sealed class PoolStarvationTests(AppFixture app) : IClassFixture<AppFixture>
{
    private const int PoolSize = 2;
    private const int AtOnce = PoolSize * 6;

    [Fact]
    public async Task The_first_relevance_searches_of_a_fresh_api_at_once_are_all_answered()
    {
        var provider = await app.CreateProviderAsync();
        await app.CreateListingAsync(provider, title: "Puppy starvation grooming");
        await using var host = SmallPool();

        var statuses = await AtOnceAsync(() => host.CreateClient().GetAsync("/api/v1/marketplace/listings?q=starvation&sort=relevance"));

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
    }

    [Fact]
    public async Task Signed_in_views_of_a_listing_at_once_are_all_answered()
    {
        var provider = await app.CreateProviderAsync();
        var slug = await SlugAsync(await app.CreateListingAsync(provider));
        var viewer = await app.CreateAsync();
        await using var host = SmallPool();

        var statuses = await AtOnceAsync(() => Signed(host, viewer.AccessToken).GetAsync($"/api/v1/marketplace/listings/{slug}"));

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
    }

    [Fact]
    public async Task Signed_in_browse_and_provider_profiles_at_once_are_all_answered()
    {
        var provider = await app.CreateProviderAsync();
        await app.CreateListingAsync(provider);
        var viewer = await app.CreateAsync();
        await using var host = SmallPool();

        var statuses = await AtOnceAsync(() => Signed(host, viewer.AccessToken).GetAsync("/api/v1/marketplace/listings?limit=5"));
        statuses.AddRange(await AtOnceAsync(() => Signed(host, viewer.AccessToken).GetAsync($"/api/v1/marketplace/providers/{provider.Id}")));

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
    }

    [Fact]
    public async Task Views_of_a_listing_with_an_api_key_at_once_are_all_answered()
    {
        var provider = await app.CreateProviderAsync();
        var slug = await SlugAsync(await app.CreateListingAsync(provider));
        var owner = await app.CreateAsync();
        var created = await (await app.Client(owner.AccessToken).PostJson("/api/v1/marketplace/api-keys", new { name = "Pool", scope = "read" }))
            .AssertJson(HttpStatusCode.Created);
        var key = created.GetProperty("key").GetString()!;
        await using var host = SmallPool();

        var statuses = await AtOnceAsync(() => Signed(host, key).GetAsync($"/api/v1/marketplace/listings/{slug}"));

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
    }

    [Fact]
    public async Task A_direct_read_after_a_query_of_the_requests_db_runs_on_its_connection()
    {
        // a pool of one: a second connection for the direct read would wait out the pool's timeout and fail
        await using var host = SmallPool(poolSize: 1, waitSeconds: 1);
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Marketplace.Api.Data.Db>();
        var reads = scope.ServiceProvider.GetRequiredService<Marketplace.Api.Infrastructure.ReadDb>();
        var dbBackend = await db.ExecuteAsync<int>("SELECT pg_backend_pid()");

        var readBackend = await reads.ReadAsync(async connection =>
        {
            await using var command = new NpgsqlCommand("SELECT pg_backend_pid()", connection);
            return (int)(await command.ExecuteScalarAsync())!;
        }, CancellationToken.None);

        Assert.Equal(dbBackend, readBackend);
    }

    /// <summary>A host with a pool of its own (its application name), of <see cref="PoolSize"/> connections and a 3 s wait unless told.</summary>
    private WebApplicationFactory<Program> SmallPool(int poolSize = PoolSize, int waitSeconds = 3) => app.Isolated(settings: new Dictionary<string, string?>
    {
        ["ConnectionStrings:Marketplace"] = new NpgsqlConnectionStringBuilder(app.ConnectionString)
        {
            MaxPoolSize = poolSize,
            Timeout = waitSeconds,
            ApplicationName = $"pool-starvation-{Guid.NewGuid():N}",
        }.ConnectionString,
    });

    private static HttpClient Signed(WebApplicationFactory<Program> host, string token)
    {
        var client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<List<HttpStatusCode>> AtOnceAsync(Func<Task<HttpResponseMessage>> send)
    {
        using var start = new ManualResetEventSlim();
        var requests = Enumerable.Range(0, AtOnce).Select(_ => Task.Run(async () =>
        {
            start.Wait();
            using var response = await send();
            return response.StatusCode;
        })).ToList();
        start.Set();
        return [.. await Task.WhenAll(requests)];
    }

    private async Task<string> SlugAsync(int listingId)
    {
        using var db = app.Db();
        return await db.Listings.Where(l => l.Id == listingId).Select(l => l.Slug).SingleAsync();
    }
}
