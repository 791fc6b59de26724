using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;
using LinqToDB;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings;

/// <summary>
/// Counts listing views off the request path (issue 15, README: listing views). A view is
/// remembered in memory as (UTC day, listing, viewer) and written by <see cref="ListingViewFlush"/>
/// every Marketplace:Views:FlushSeconds: the viewer rows go into listing_viewers with ON CONFLICT
/// DO NOTHING, and only the rows really inserted add to service_listings.views_counted, in the same
/// transaction. So a viewer counts once per listing per day however many instances saw them, and a
/// read never waits on a write and never moves updatedAt (the trigger skips the flush's
/// transaction). views_counted is in no index: the flush's one UPDATE per viewed listing is HOT and
/// writes none of the listing's indexes. <see cref="PublishAsync"/> copies it into view_count (the
/// answer's viewCount and the popular sort's index) every Marketplace:Views:PublishSeconds.
/// The viewer is an HMAC (keyed by the JWT signing key, so every instance agrees) of the day, the
/// listing and either the user id or the client's network (/24 of IPv4, /64 of IPv6) and
/// User-Agent: the raw values are never stored, and one viewer's rows of two listings or days
/// cannot be linked.
/// </summary>
public sealed class ListingViews : IDisposable
{
    /// <summary>Viewer rows sent in one statement (and one transaction).</summary>
    private const int ChunkSize = 5000;

    private const int MaxUserAgentLength = 256;

    private readonly Lock gate = new();
    private HashSet<View> pending = [];
    private long dropped;
    private readonly byte[] key;

    // one HMAC state per thread, reset after each hash: the one-shot HMACSHA256.HashData sets up a new OpenSSL MAC
    // context for every view (3.3 % of the API's CPU in benchmarks/ListingViews); the bytes are the same
    private readonly ThreadLocal<IncrementalHash> hmac;
    private readonly MarketplaceOptions options;
    private readonly DataOptions<Db> dataOptions;
    private readonly TimeProvider clock;

    public ListingViews(MarketplaceOptions options, DataOptions<Db> dataOptions, TimeProvider clock, SigningKey signingKey)
    {
        this.options = options;
        this.dataOptions = dataOptions;
        this.clock = clock;
        key = HMACSHA256.HashData(signingKey.Key.Key, "marketplace listing viewers"u8);
        hmac = new ThreadLocal<IncrementalHash>(() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key), trackAllValues: true);
    }

    public void Dispose()
    {
        foreach (var state in hmac.Values)
        {
            state.Dispose();
        }
        hmac.Dispose();
    }

    /// <summary>One viewer of one listing on one UTC day; <see cref="Viewer"/> is the first 16 bytes of the HMAC, big-endian.</summary>
    private readonly record struct View(DateOnly Day, int ListingId, UInt128 Viewer);

    /// <summary>Views held in memory, not yet flushed.</summary>
    public int Pending
    {
        get
        {
            lock (gate)
            {
                return pending.Count;
            }
        }
    }

    /// <summary>Remembers a view of <paramref name="listingId"/> by the caller of <paramref name="http"/> (never the owner's: the caller decides).</summary>
    public void Record(int listingId, HttpContext http)
    {
        if (!options.Views.Counting)
        {
            return;
        }
        var day = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var view = new View(day, listingId, ViewerHash(day, listingId, http));
        lock (gate)
        {
            if (pending.Count < options.Views.MaxPending)
            {
                pending.Add(view);
                return;
            }
        }
        Interlocked.Increment(ref dropped);
    }

    /// <summary>The client's network: the /24 of an IPv4 address, the /64 of an IPv6 one ("unknown" without an address).</summary>
    public static string Network(IPAddress? address) =>
        NetworkOf(address) is (IPAddress network, var bits) ? $"{network}/{bits}" : "unknown";

    private static (IPAddress? Network, int PrefixBits) NetworkOf(IPAddress? address)
    {
        if (address is null)
        {
            return (null, 0);
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        var bytes = address.GetAddressBytes();
        var prefix = bytes.Length == 4 ? 3 : 8;
        Array.Clear(bytes, prefix, bytes.Length - prefix);
        return (new IPAddress(bytes), prefix * 8);
    }

    /// <summary>
    /// The HMAC of <c>{day}|{listing}|u|{user id}</c> for a signed-in viewer, or
    /// <c>{day}|{listing}|a|{network}|{User-Agent, first 256 characters}</c> for an anonymous one,
    /// in UTF-8, written straight into a stack buffer: a view costs no strings on the request path.
    /// </summary>
    private UInt128 ViewerHash(DateOnly day, int listingId, HttpContext http)
    {
        Span<byte> text = stackalloc byte[MaxUserAgentLength * 3 + 128];
        int written;
        if (http.OptionalUser() is { } user)
        {
            Utf8.TryWrite(text, CultureInfo.InvariantCulture, $"{day.DayNumber}|{listingId}|u|{user.Id}", out written);
        }
        else
        {
            var (network, prefixBits) = NetworkOf(http.Connection.RemoteIpAddress);
            if (network is null)
            {
                Utf8.TryWrite(text, CultureInfo.InvariantCulture, $"{day.DayNumber}|{listingId}|a|unknown|", out written);
            }
            else
            {
                Utf8.TryWrite(text, CultureInfo.InvariantCulture, $"{day.DayNumber}|{listingId}|a|{network}/{prefixBits}|", out written);
            }
            var agent = http.Request.Headers.UserAgent.ToString().AsSpan();
            written += Encoding.UTF8.GetBytes(agent.Length <= MaxUserAgentLength ? agent : agent[..MaxUserAgentLength], text[written..]);
        }
        Span<byte> hash = stackalloc byte[32];
        var state = hmac.Value!;
        state.AppendData(text[..written]);
        state.GetHashAndReset(hash);
        return BinaryPrimitives.ReadUInt128BigEndian(hash);
    }

    /// <summary>
    /// Writes every view held in memory; returns how many were new (counted). On a failure the
    /// views go back to memory for the next flush (as many as <c>MaxPending</c> allows).
    /// </summary>
    public async Task<int> FlushAsync(CancellationToken ct)
    {
        HashSet<View> batch;
        lock (gate)
        {
            if (pending.Count == 0)
            {
                return 0;
            }
            batch = pending;
            // sized for as many as the last interval brought: the set does not grow again from empty through every doubling
            pending = new HashSet<View>(batch.Count);
        }
        // every instance inserts in one global order (day, listing, viewer), so two flushes never wait on each other in a cycle
        var views = batch.OrderBy(v => v.Day).ThenBy(v => v.ListingId).ThenBy(v => v.Viewer).ToArray();
        var counted = 0;
        for (var start = 0; start < views.Length; start += ChunkSize)
        {
            var chunk = views.AsMemory(start, Math.Min(ChunkSize, views.Length - start));
            try
            {
                counted += await WriteAsync(chunk, ct);
            }
            catch
            {
                Requeue(views.AsSpan(start));
                throw;
            }
        }
        return counted;
    }

    /// <summary>Views dropped because memory was full since the last call (a flush that kept failing).</summary>
    public long TakeDropped() => Interlocked.Exchange(ref dropped, 0);

    private void Requeue(ReadOnlySpan<View> views)
    {
        lock (gate)
        {
            foreach (var view in views)
            {
                if (pending.Count >= options.Views.MaxPending)
                {
                    Interlocked.Add(ref dropped, views.Length);
                    return;
                }
                pending.Add(view);
            }
        }
    }

    private async Task<int> WriteAsync(ReadOnlyMemory<View> chunk, CancellationToken ct)
    {
        var days = new DateOnly[chunk.Length];
        var listings = new int[chunk.Length];
        var viewers = new byte[chunk.Length][];
        var span = chunk.Span;
        for (var i = 0; i < span.Length; i++)
        {
            days[i] = span[i].Day;
            listings[i] = span[i].ListingId;
            viewers[i] = new byte[16];
            BinaryPrimitives.WriteUInt128BigEndian(viewers[i], span[i].Viewer);
        }
        using var db = new Db(dataOptions);
        return await db.InTransactionAsync(async c =>
        {
            // the updated_at trigger does not fire in this transaction (M202611272300): a view is not an update of the listing
            await Pg.ExecuteAsync(db, "SELECT set_config('marketplace.counting_views', 'on', true)", c);
            var counted = await Pg.QueryAsync(db, """
                WITH viewed AS (
                    INSERT INTO marketplace.listing_viewers (day, listing_id, viewer)
                    SELECT v.day, v.listing_id, v.viewer
                      FROM unnest($1::date[], $2::integer[], $3::bytea[]) WITH ORDINALITY AS v(day, listing_id, viewer, n)
                     WHERE EXISTS (SELECT 1 FROM marketplace.service_listings l WHERE l.id = v.listing_id)
                     ORDER BY v.n
                    ON CONFLICT DO NOTHING
                    RETURNING listing_id)
                SELECT listing_id, count(*)::integer FROM viewed GROUP BY listing_id ORDER BY listing_id
                """, r => (Id: r.GetInt32(0), Views: r.GetInt32(1)), c, Pg.P(days), Pg.P(listings), Pg.P(viewers));
            if (counted.Count == 0)
            {
                return 0;
            }
            int[] ids = [.. counted.Select(x => x.Id)];
            // the listings are locked in id order (LockOrder's FOR NO KEY UPDATE), so two flushes cannot deadlock on them
            await Pg.ExecuteAsync(db, "SELECT id FROM marketplace.service_listings WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE", c, Pg.P(ids));
            await Pg.ExecuteAsync(db, """
                UPDATE marketplace.service_listings l SET views_counted = l.views_counted + v.n
                  FROM unnest($1::integer[], $2::integer[]) AS v(id, n)
                 WHERE l.id = v.id
                """, c, Pg.P(ids), Pg.P<int[]>([.. counted.Select(x => x.Views)]));
            return counted.Sum(x => x.Views);
        }, ct);
    }

    /// <summary>
    /// Publishes the counted views into <c>view_count</c> (viewCount, the popular sort and its index),
    /// batch by batch in id order; returns how many listings moved. Rows another transaction holds
    /// are skipped (SKIP LOCKED) and published the next time, so a publish never waits on a booking
    /// or a flush, and two instances publishing at once share the work.
    /// </summary>
    public async Task<int> PublishAsync(CancellationToken ct)
    {
        using var db = new Db(dataOptions);
        var total = 0;
        var after = 0;
        while (true)
        {
            // keyset by id: each batch starts after the last one, so a publish reads the table once, not once per batch
            var ids = await db.InTransactionAsync(async c =>
            {
                await Pg.ExecuteAsync(db, "SELECT set_config('marketplace.counting_views', 'on', true)", c);
                return await Pg.QueryAsync(db, """
                    WITH batch AS (
                        SELECT id FROM marketplace.service_listings
                         WHERE view_count <> views_counted AND id > $1
                         ORDER BY id LIMIT $2 FOR NO KEY UPDATE SKIP LOCKED)
                    UPDATE marketplace.service_listings l SET view_count = l.views_counted
                      FROM batch WHERE l.id = batch.id
                    RETURNING l.id
                    """, r => r.GetInt32(0), c, Pg.P(after), Pg.P(ChunkSize));
            }, ct);
            total += ids.Count;
            if (ids.Count < ChunkSize)
            {
                return total;
            }
            after = ids.Max();
        }
    }

    /// <summary>Deletes the viewer rows of days before the retention, batch by batch; returns how many.</summary>
    public async Task<int> PurgeAsync(CancellationToken ct)
    {
        var oldest = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime).AddDays(1 - options.Views.RetentionDays);
        using var db = new Db(dataOptions);
        var total = 0;
        int deleted;
        do
        {
            deleted = await Pg.ExecuteAsync(db, """
                DELETE FROM marketplace.listing_viewers
                 WHERE ctid = ANY (ARRAY(SELECT ctid FROM marketplace.listing_viewers WHERE day < $1 LIMIT $2 FOR UPDATE SKIP LOCKED))
                """, ct, Pg.P(oldest), Pg.P(ChunkSize));
            total += deleted;
        }
        while (deleted == ChunkSize && !ct.IsCancellationRequested);
        return total;
    }
}

/// <summary>
/// Flushes <see cref="ListingViews"/> every Marketplace:Views:FlushSeconds and purges old viewer
/// rows once an hour; on a graceful stop (after the server has drained its requests) it flushes
/// what is left, so only a crash loses views: at most the last interval's.
/// </summary>
internal sealed class ListingViewFlush(ListingViews views, MarketplaceOptions options, TimeProvider clock, ILogger<ListingViewFlush> logger)
    : PeriodicJob(clock, logger)
{
    private static readonly TimeSpan PurgeEvery = TimeSpan.FromHours(1);
    private static readonly TimeSpan StopFlushBudget = TimeSpan.FromSeconds(15);
    private readonly SemaphoreSlim stopFlush = new(1, 1);
    private DateTimeOffset nextPurge = DateTimeOffset.MinValue;
    private DateTimeOffset nextPublish = DateTimeOffset.MinValue;

    protected override string Name => "listing_view_flush";

    protected override TimeSpan Interval => TimeSpan.FromSeconds(options.Views.FlushSeconds);

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        await FlushAsync(ct);
        if (Clock.GetUtcNow() >= nextPublish)
        {
            nextPublish = Clock.GetUtcNow() + TimeSpan.FromSeconds(options.Views.PublishSeconds);
            await views.PublishAsync(ct);
        }
        if (Clock.GetUtcNow() >= nextPurge)
        {
            nextPurge = Clock.GetUtcNow() + PurgeEvery;
            await views.PurgeAsync(ct);
        }
    }

    private async Task<int> FlushAsync(CancellationToken ct)
    {
        try
        {
            return await views.FlushAsync(ct);
        }
        finally
        {
            if (views.TakeDropped() is > 0 and var dropped)
            {
                logger.LogWarning("{Dropped} listing views were dropped: more than Marketplace:Views:MaxPending waited for a flush", dropped);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // one stop flush at a time: the host can be stopped twice at once (WebApplication.Run stops it when the lifetime
        // signals stopping, while whoever signalled may be stopping it too), and the second call must not return, its
        // flush finding nothing, while the first is still writing what it took
        await stopFlush.WaitAsync(CancellationToken.None);
        try
        {
            // a budget of its own: the host's stop token may already be spent by the services stopped before this one
            using var budget = new CancellationTokenSource(StopFlushBudget);
            var held = views.Pending;
            var counted = await FlushAsync(budget.Token);
            logger.LogInformation("Flushed the {Held} listing views held at shutdown ({Counted} new viewers counted)", held, counted);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "The last flush of listing views failed at shutdown: {Pending} views are lost", views.Pending);
        }
        finally
        {
            stopFlush.Release();
        }
    }
}

public static class ListingViewsRegistration
{
    public static IServiceCollection AddListingViews(this IServiceCollection services) =>
        services.AddSingleton<ListingViews>().AddHostedService<ListingViewFlush>();
}
