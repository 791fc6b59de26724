using System.Net;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using Marketplace.Api.Features.Listings;
using Marketplace.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Marketplace.Tests.Features.Listings;

/// <summary>
/// Listing views (ListingViews): counted once per viewer per listing per day, in the background,
/// exactly across instances, without touching the listing's updatedAt. Each test runs on hosts of
/// its own (own clock, own in-memory views, the client address taken from a test header) over the
/// shared database, and flushes by hand: the background interval is an hour here.
/// </summary>
public sealed class ViewsTests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string ClientIpHeader = "X-Test-Client-Ip";
    private static string Url(string slug) => $"/api/v1/marketplace/listings/{slug}";

    /// <summary>A host of its own: the clock given, views flushed only by hand (or at stop), the client IP from <see cref="ClientIpHeader"/>.</summary>
    private WebApplicationFactory<Program> Host(TimeProvider? clock = null, bool counting = true) =>
        app.Factory.WithWebHostBuilder(b =>
        {
            b.UseSetting("Marketplace:Views:FlushSeconds", "3600");
            b.UseSetting("Marketplace:Views:Counting", counting ? "true" : "false");
            b.ConfigureTestServices(s =>
            {
                if (clock is not null)
                {
                    s.Replace(ServiceDescriptor.Singleton(clock));
                }
                s.AddSingleton<IStartupFilter, ClientIpFromHeader>();
            });
        });

    private sealed class ClientIpFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => builder =>
        {
            builder.Use((HttpContext http, RequestDelegate nextMiddleware) =>
            {
                if (IPAddress.TryParse(http.Request.Headers[ClientIpHeader].ToString(), out var ip))
                {
                    http.Connection.RemoteIpAddress = ip;
                }
                return nextMiddleware(http);
            });
            next(builder);
        };
    }

    private static ListingViews Views(WebApplicationFactory<Program> host) => host.Services.GetRequiredService<ListingViews>();

    private static async Task ViewAsync(WebApplicationFactory<Program> host, string slug, TestUser? user = null, string? ip = null, string? agent = null)
    {
        var client = host.CreateClient();
        if (user is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", user.AccessToken);
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, Url(slug));
        if (ip is not null)
        {
            request.Headers.Add(ClientIpHeader, ip);
        }
        if (agent is not null)
        {
            request.Headers.TryAddWithoutValidation("User-Agent", agent);
        }
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<(TestProvider Provider, int Id, string Slug)> ListingAsync(TestProvider? provider = null)
    {
        provider ??= await app.CreateProviderAsync(paymentMode: "manual");
        var id = await app.CreateListingAsync(provider);
        using var db = app.Db();
        return (provider, id, await db.Listings.Where(l => l.Id == id).Select(l => l.Slug).SingleAsync());
    }

    /// <summary>The views counted so far (views_counted, what a flush adds to; viewCount shows them once published).</summary>
    private async Task<int> ViewCountAsync(int listingId)
    {
        using var db = app.Db();
        return await db.ExecuteAsync<int>("SELECT views_counted FROM marketplace.service_listings WHERE id = :listingId", new { listingId });
    }

    [Fact]
    public async Task The_same_user_twice_counts_once_and_two_users_count_twice()
    {
        using var host = Host();
        var (_, id, slug) = await ListingAsync();
        var alice = await app.CreateAsync();
        var bob = await app.CreateAsync();

        await ViewAsync(host, slug, alice);
        await ViewAsync(host, slug, alice);
        await Views(host).FlushAsync(default);
        await ViewAsync(host, slug, alice); // again after the flush: the database remembers her
        Assert.Equal(0, await Views(host).FlushAsync(default));
        Assert.Equal(1, await ViewCountAsync(id));

        await ViewAsync(host, slug, bob);
        await Views(host).FlushAsync(default);
        Assert.Equal(2, await ViewCountAsync(id));
    }

    [Fact]
    public async Task Anonymous_callers_of_one_network_and_agent_count_once()
    {
        using var host = Host();
        var (_, id, slug) = await ListingAsync();

        await ViewAsync(host, slug, ip: "203.0.113.5", agent: "Browser/1.0");
        await ViewAsync(host, slug, ip: "203.0.113.77", agent: "Browser/1.0");     // same /24, same agent
        await ViewAsync(host, slug, ip: "203.0.113.77", agent: "Browser/2.0");     // another agent
        await ViewAsync(host, slug, ip: "198.51.100.5", agent: "Browser/1.0");     // another network
        await ViewAsync(host, slug, ip: "2001:db8:1:2::1", agent: "Browser/1.0");
        await ViewAsync(host, slug, ip: "2001:db8:1:2:ffff::9", agent: "Browser/1.0"); // same /64
        await ViewAsync(host, slug, ip: "::ffff:203.0.113.9", agent: "Browser/1.0");   // IPv4-mapped: the first network again

        Assert.Equal(4, await Views(host).FlushAsync(default));
        Assert.Equal(4, await ViewCountAsync(id));
    }

    [Fact]
    public async Task The_viewer_is_stored_as_a_hash_never_as_the_address_or_agent()
    {
        using var host = Host();
        var (_, id, slug) = await ListingAsync();

        await ViewAsync(host, slug, ip: "203.0.113.5", agent: "Browser/1.0");
        await Views(host).FlushAsync(default);

        using var db = app.Db();
        var viewers = await db.QueryToListAsync<byte[]>("SELECT viewer FROM marketplace.listing_viewers WHERE listing_id = :id", new { id });
        var viewer = Assert.Single(viewers);
        Assert.Equal(16, viewer.Length);
        var text = System.Text.Encoding.Latin1.GetString(viewer);
        Assert.DoesNotContain("203.0.113", text);
        Assert.DoesNotContain("Browser", text);
    }

    [Fact]
    public async Task A_viewer_counts_again_the_next_day_and_old_days_are_purged()
    {
        var clock = new TestClock(DateTimeOffset.UtcNow);
        using var host = Host(clock);
        var (_, id, slug) = await ListingAsync();
        var alice = await app.CreateAsync();

        await ViewAsync(host, slug, alice);
        await Views(host).FlushAsync(default);
        clock.Advance(TimeSpan.FromDays(1));
        await ViewAsync(host, slug, alice);
        await Views(host).FlushAsync(default);
        Assert.Equal(2, await ViewCountAsync(id));

        clock.Advance(TimeSpan.FromDays(1)); // retention 2 days: today and yesterday are kept
        await Views(host).PurgeAsync(default);
        using var db = app.Db();
        var days = await db.QueryToListAsync<DateTime>("SELECT day::timestamp FROM marketplace.listing_viewers WHERE listing_id = :id", new { id });
        Assert.Equal([DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime).AddDays(-1)], days.Select(DateOnly.FromDateTime));
        Assert.Equal(2, await ViewCountAsync(id)); // purging forgets viewers, never counts
    }

    [Fact]
    public async Task Views_through_two_instances_at_once_are_counted_exactly()
    {
        using var first = Host();
        using var second = Host();
        var (_, id, slug) = await ListingAsync();
        var expected = 0;
        for (var round = 0; round < 5; round++)
        {
            var users = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => app.CreateAsync()));
            // every user views through both instances, and both flush at the same moment
            await Task.WhenAll(users.SelectMany(u => new[] { ViewAsync(first, slug, u), ViewAsync(second, slug, u) }));
            var counted = await Task.WhenAll(Views(first).FlushAsync(default), Views(second).FlushAsync(default));
            expected += users.Length;
            Assert.Equal(users.Length, counted.Sum());
            Assert.Equal(expected, await ViewCountAsync(id));
        }
    }

    [Fact]
    public async Task Two_instances_flushing_and_publishing_at_once_publish_every_count()
    {
        using var first = Host();
        using var second = Host();
        var listings = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => ListingAsync()));
        var expected = 0;
        for (var round = 0; round < 4; round++)
        {
            var users = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => app.CreateAsync()));
            await Task.WhenAll(users.SelectMany(u => listings.Select((l, i) => ViewAsync(i % 2 == 0 ? first : second, l.Slug, u))));
            expected += users.Length;
            // flushes and publishes of both instances at the same moment: publishing skips the rows a flush holds
            await Task.WhenAll(Views(first).FlushAsync(default), Views(second).FlushAsync(default),
                Views(first).PublishAsync(default), Views(second).PublishAsync(default));
        }
        await Views(first).PublishAsync(default);

        using var db = app.Db();
        foreach (var (_, id, _) in listings)
        {
            Assert.Equal(expected, await ViewCountAsync(id));
            Assert.Equal(expected, await db.Listings.Where(l => l.Id == id).Select(l => l.ViewCount).SingleAsync());
        }
    }

    [Fact]
    public async Task Stopping_the_host_flushes_the_views_it_holds()
    {
        var (_, id, slug) = await ListingAsync();
        var logs = new LogCapture();
        var host = Host().WithWebHostBuilder(b => b.ConfigureServices(s => s.AddLogging(l => l.AddProvider(logs)
            .AddFilter<LogCapture>(typeof(ListingViews).Namespace, LogLevel.Information))));
        await ViewAsync(host, slug, await app.CreateAsync());
        await ViewAsync(host, slug, await app.CreateAsync());
        Assert.Equal(0, await ViewCountAsync(id));
        var held = Views(host);
        Assert.Equal(2, held.Pending);

        // a graceful stop as in production (SIGTERM: the host stops its services), not the factory's disposal,
        // which disposes its TestServer before it stops the host
        await host.Services.GetRequiredService<IHost>().StopAsync(CancellationToken.None);
        await host.DisposeAsync();

        var count = await ViewCountAsync(id);
        using var db = app.Db();
        var viewerRows = await db.ExecuteAsync<int>("SELECT count(*)::int FROM marketplace.listing_viewers WHERE listing_id = :id", new { id });
        Assert.True(count == 2, $"{count} views counted after the stop, {viewerRows} viewer rows, {held.Pending} views still held; the host logged: "
            + string.Join(" | ", logs.Lines.Where(l => l.Contains("ListingView", StringComparison.Ordinal) || l.StartsWith("Error", StringComparison.Ordinal) || l.Contains("stop", StringComparison.OrdinalIgnoreCase))));
    }

    [Fact]
    public async Task Counting_a_view_leaves_updatedAt_alone_and_the_popular_sort_follows_the_counts()
    {
        using var host = Host();
        var provider = await app.CreateProviderAsync(paymentMode: "manual");
        var (_, once, onceSlug) = await ListingAsync(provider);
        var (_, twice, twiceSlug) = await ListingAsync(provider);
        DateTime UpdatedAt(int listingId)
        {
            using var db = app.Db();
            return db.Listings.Where(l => l.Id == listingId).Select(l => l.UpdatedAt).Single();
        }
        var before = UpdatedAt(twice);

        await ViewAsync(host, onceSlug, await app.CreateAsync());
        await ViewAsync(host, twiceSlug, await app.CreateAsync());
        await ViewAsync(host, twiceSlug, await app.CreateAsync());
        await Views(host).FlushAsync(default);

        // counted; viewCount and the popular sort move at the next publish (any test's publish may come first: the database is shared)
        Assert.Equal(2, await ViewCountAsync(twice));
        await Views(host).PublishAsync(default);

        Assert.Equal(before, UpdatedAt(twice));
        var listing = await (await host.CreateClient().GetAsync(Url(twiceSlug))).AssertJson(HttpStatusCode.OK);
        Assert.Equal(2, listing.GetProperty("viewCount").GetInt32());
        Assert.Equal(before, listing.GetProperty("updatedAt").GetDateTime().ToUniversalTime(), TimeSpan.FromMilliseconds(1));
        var browse = await (await host.CreateClient().GetAsync($"/api/v1/marketplace/listings?providerId={provider.Id}&sort=popular")).AssertJson(HttpStatusCode.OK);
        var items = browse.GetProperty("items").EnumerateArray().Select(i => (Id: i.GetProperty("id").GetInt32(), Views: i.GetProperty("viewCount").GetInt32())).ToList();
        Assert.Equal([(twice, 2), (once, 1)], items);

        // an update of the listing itself still moves updatedAt
        using (var db = app.Db())
        {
            await db.Listings.Where(l => l.Id == twice).Set(l => l.Title, "Renamed listing").UpdateAsync();
        }
        Assert.NotEqual(before, UpdatedAt(twice));
    }

    [Fact]
    public async Task The_job_flushes_and_publishes_on_its_clock()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        using var host = Host(clock);
        var (_, id, slug) = await ListingAsync();
        await ViewAsync(host, slug, await app.CreateAsync());
        int Published()
        {
            using var db = app.Db();
            return db.Listings.Where(l => l.Id == id).Select(l => l.ViewCount).Single();
        }

        // the job's first run (one flush interval, an hour here) flushes, and publishes: its first publish is due at once
        for (var waited = 0; Published() == 0 && waited < 100; waited++)
        {
            clock.Advance(TimeSpan.FromHours(1));
            await Task.Delay(50);
        }

        Assert.Equal(1, Published());
        Assert.Equal(1, await ViewCountAsync(id));
    }

    [Fact]
    public async Task A_flush_writes_no_index_of_the_listing()
    {
        var (_, id, _) = await ListingAsync();
        using var db = app.Db();

        // no index of service_listings holds views_counted, in its key, INCLUDE or predicate
        var indexes = await db.QueryToListAsync<string>("""
            SELECT i.indexrelid::regclass::text FROM pg_index i
             WHERE i.indrelid = 'marketplace.service_listings'::regclass
               AND (EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attname = 'views_counted' AND a.attnum = ANY (i.indkey))
                    OR pg_get_expr(i.indexprs, i.indrelid) LIKE '%views_counted%' OR pg_get_expr(i.indpred, i.indrelid) LIKE '%views_counted%')
            """);
        Assert.Empty(indexes);
        // so the flush's UPDATE (the same statement) is a heap-only tuple update: no index entry written
        await using var tx = await db.BeginTransactionAsync();
        await db.ExecuteAsync("SELECT set_config('marketplace.counting_views', 'on', true)");
        var hotBefore = await db.ExecuteAsync<long>("SELECT pg_stat_get_xact_tuples_hot_updated('marketplace.service_listings'::regclass)");
        await db.ExecuteAsync("""
            UPDATE marketplace.service_listings l SET views_counted = l.views_counted + v.n
              FROM unnest(ARRAY[:id]::integer[], ARRAY[3]::integer[]) AS v(id, n) WHERE l.id = v.id
            """, new DataParameter("id", id, DataType.Int32));
        Assert.Equal(hotBefore + 1, await db.ExecuteAsync<long>("SELECT pg_stat_get_xact_tuples_hot_updated('marketplace.service_listings'::regclass)"));
        await tx.RollbackAsync();
    }

    [Fact]
    public async Task The_owner_viewing_the_listing_counts_nothing()
    {
        using var host = Host();
        var (provider, id, slug) = await ListingAsync();

        await ViewAsync(host, slug, provider.Owner);
        await Views(host).FlushAsync(default);

        Assert.Equal(0, await ViewCountAsync(id));
    }

    [Fact]
    public async Task With_counting_switched_off_a_view_records_nothing()
    {
        using var host = Host(counting: false);
        var (_, id, slug) = await ListingAsync();

        await ViewAsync(host, slug, await app.CreateAsync());

        Assert.Equal(0, Views(host).Pending);
        await Views(host).FlushAsync(default);
        Assert.Equal(0, await ViewCountAsync(id));
    }

    [Theory]
    [InlineData("203.0.113.77", "203.0.113.0/24")]
    [InlineData("::ffff:203.0.113.77", "203.0.113.0/24")]
    [InlineData("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64")]
    public void The_network_of_an_address_is_its_24_or_64_prefix(string address, string network) =>
        Assert.Equal(network, ListingViews.Network(IPAddress.Parse(address)));
}
