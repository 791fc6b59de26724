using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;

// GET /listings/{slug} with view counting on and off, and conditional GETs (304 vs 200), against
// two API processes over one fresh, seeded database: one with Marketplace__Views__Counting=true,
// one with false; their rounds interleave so both see the same machine. See README.md.

var seconds = IntArg("--seconds", 3);
var rounds = IntArg("--rounds", 6);
var connections = IntArg("--connections", 16);
var listingCount = IntArg("--listings", 10_000);
var agents = IntArg("--agents", 5_000);
var flushSeconds = IntArg("--flush-seconds", 2);
var server = Environment.GetEnvironmentVariable("ConnectionStrings__Marketplace")
    ?? "Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres";
var root = RepositoryRoot();
var database = $"marketplace_views_{DateTime.UtcNow:yyyyMMddHHmmss}_{Guid.NewGuid():N}"[..50];
var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
var signingKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
var dataDirectory = Path.Combine(Path.GetTempPath(), database);

await ExecuteAsync(server, "postgres", $"CREATE DATABASE \"{database}\"");
Process? on = null, off = null;
try
{
    var onUrl = $"http://127.0.0.1:{FreePort()}";
    on = StartApi(root, connectionString, onUrl, counting: true, migrate: true, build: true);
    using var onHttp = Client(onUrl, connections);
    await ApiProcess.WaitLiveAsync(onHttp, on);
    await WaitReadyAsync(onHttp);
    await SeedAsync(connectionString, listingCount);
    var offUrl = $"http://127.0.0.1:{FreePort()}";
    off = StartApi(root, connectionString, offUrl, counting: false, migrate: false, build: false);
    using var offHttp = Client(offUrl, connections);
    await ApiProcess.WaitLiveAsync(offHttp, off);
    await WaitReadyAsync(offHttp);

    var slugs = Enumerable.Range(1, listingCount).Select(i => $"bench-listing-{i}").ToArray();
    Console.WriteLine($"GET /api/v1/marketplace/listings/{{slug}}: {listingCount} active listings, {connections} connections, {seconds} s per run, "
        + $"{rounds} rounds interleaved, anonymous viewers = one of {agents} User-Agents, views flushed every {flushSeconds} s; "
        + $"{Environment.ProcessorCount} CPUs, load generator on the same machine");

    // warm-up of both (JIT, pools, plans)
    await RunAsync(onHttp, on, slugs, agents, connections, 2, conditional: false);
    await RunAsync(offHttp, off, slugs, agents, connections, 2, conditional: false);

    var results = new Dictionary<string, List<Run>> { ["counting on"] = [], ["counting off"] = [] };
    for (var round = 0; round < rounds; round++)
    {
        // alternate which goes first, so a drift of the machine does not favour one
        var order = round % 2 == 0 ? new[] { "counting on", "counting off" } : ["counting off", "counting on"];
        foreach (var name in order)
        {
            results[name].Add(await RunAsync(name == "counting on" ? onHttp : offHttp, name == "counting on" ? on : off, slugs, agents, connections, seconds, conditional: false));
            // the last flush of an "on" run happens here, not in the next run (whichever instance runs next)
            await Task.Delay(TimeSpan.FromSeconds(flushSeconds + 0.5));
        }
    }
    Print("counting on", results["counting on"]);
    Print("counting off", results["counting off"]);
    var onRate = results["counting on"].Sum(r => r.Requests) / results["counting on"].Sum(r => r.Seconds);
    var offRate = results["counting off"].Sum(r => r.Requests) / results["counting off"].Sum(r => r.Seconds);
    // each round's on and off runs are neighbours in time: their ratio cancels most of the machine's drift
    var paired = results["counting on"].Zip(results["counting off"], (a, b) => a.Rate / b.Rate).Order().ToArray();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"ratio on/off: {onRate / offRate:0.00}x overall; per round {string.Join(" / ", paired.Select(x => x.ToString("0.00", CultureInfo.InvariantCulture)))}, median {paired[paired.Length / 2]:0.00}x"));
    // CPU per request is far less sensitive to other load on the machine than req/s: its inverse is the throughput when CPU-bound
    var cpuOn = results["counting on"].Sum(r => r.CpuMicroseconds) / results["counting on"].Sum(r => r.Requests);
    var cpuOff = results["counting off"].Sum(r => r.CpuMicroseconds) / results["counting off"].Sum(r => r.Requests);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"API CPU per request: on {cpuOn:0} us, off {cpuOff:0} us: CPU-bound throughput ratio on/off {cpuOff / cpuOn:0.00}x (the flush's database work is in PostgreSQL, not counted here)"));

    await using (var connection = new NpgsqlConnection(connectionString))
    {
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT (SELECT count(*) FROM marketplace.listing_viewers), (SELECT sum(views_counted) FROM marketplace.service_listings), "
            + "(SELECT count(*) FROM marketplace.service_listings WHERE updated_at > created_at), "
            + "(SELECT n_tup_upd FROM pg_stat_user_tables WHERE relid = 'marketplace.service_listings'::regclass), "
            + "(SELECT n_tup_hot_upd FROM pg_stat_user_tables WHERE relid = 'marketplace.service_listings'::regclass)", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Console.WriteLine($"after the runs: {reader.GetInt64(0)} viewer rows, views_counted sum {reader.GetInt64(1)} (flushed so far), "
            + $"{reader.GetInt64(2)} listings with updated_at moved; listing row updates {reader.GetInt64(3)}, of them HOT (no index written) {reader.GetInt64(4)}");
    }

    // conditional GETs: the connections share one cache (as a proxy or CDN would) holding the ETag
    // last received per slug and send it back; 200 hot listings, so most requests revalidate
    Console.WriteLine();
    Console.WriteLine("Conditional GETs (If-None-Match with the ETag last received for that slug, one cache shared by the connections), 200 hot listings:");
    var hot = slugs[..Math.Min(200, slugs.Length)];
    foreach (var (name, http, api) in new[] { ("counting off", offHttp, off), ("counting on", onHttp, on) })
    {
        var cache = new ConcurrentDictionary<string, string>();
        await RunAsync(http, api, hot, agents, connections, 1, conditional: true, cache); // fills the cache
        var plain = await RunAsync(http, api, hot, agents, connections, seconds, conditional: false);
        var conditional = await RunAsync(http, api, hot, agents, connections, seconds, conditional: true, cache);
        Print($"{name}, plain GET", [plain]);
        Print($"{name}, conditional GET", [conditional]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {name}: 304 rate {100.0 * conditional.NotModified.Length / conditional.Requests:0.0} %; 304 p50 {P(conditional.NotModified, 50):0.00} ms p99 {P(conditional.NotModified, 99):0.00} ms; "
            + $"200 p50 {P(conditional.Ok, 50):0.00} ms p99 {P(conditional.Ok, 99):0.00} ms; throughput conditional/plain {conditional.Rate / plain.Rate:0.00}x; "
            + $"bytes/request {conditional.Bytes / (double)conditional.Requests:0} vs {plain.Bytes / (double)plain.Requests:0}; "
            + $"API CPU/request {conditional.CpuPerRequest:0} us vs {plain.CpuPerRequest:0} us"));
    }
}
finally
{
    ApiProcess.Stop(on);
    ApiProcess.Stop(off);
    NpgsqlConnection.ClearAllPools();
    await ExecuteAsync(server, "postgres", $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
    if (Directory.Exists(dataDirectory))
    {
        Directory.Delete(dataDirectory, recursive: true);
    }
}

static async Task<Run> RunAsync(HttpClient http, Process api, string[] slugs, int agents, int connections, int seconds, bool conditional,
    ConcurrentDictionary<string, string>? etags = null)
{
    etags ??= new ConcurrentDictionary<string, string>();
    api.Refresh();
    var cpuBefore = api.TotalProcessorTime;
    var ok = new ConcurrentBag<double>();
    var notModified = new ConcurrentBag<double>();
    long bytes = 0;
    var stop = Stopwatch.StartNew();
    var until = TimeSpan.FromSeconds(seconds);
    var workers = Enumerable.Range(0, connections).Select(worker => Task.Run(async () =>
    {
        var random = new Random(worker * 7919 + Environment.TickCount);
        var local200 = new List<double>();
        var local304 = new List<double>();
        while (stop.Elapsed < until)
        {
            var slug = slugs[random.Next(slugs.Length)];
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/marketplace/listings/{slug}");
            request.Headers.TryAddWithoutValidation("User-Agent", $"bench-agent-{random.Next(agents)}");
            if (conditional && etags.TryGetValue(slug, out var known))
            {
                request.Headers.TryAddWithoutValidation("If-None-Match", known);
            }
            var started = Stopwatch.GetTimestamp();
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsByteArrayAsync();
            var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            Interlocked.Add(ref bytes, body.Length);
            if (response.StatusCode == HttpStatusCode.NotModified)
            {
                local304.Add(ms);
            }
            else if (response.StatusCode == HttpStatusCode.OK)
            {
                local200.Add(ms);
                if (response.Headers.ETag is { } etag)
                {
                    etags[slug] = etag.ToString();
                }
            }
            else
            {
                throw new InvalidOperationException($"GET {slug} answered {(int)response.StatusCode}");
            }
        }
        foreach (var x in local200) ok.Add(x);
        foreach (var x in local304) notModified.Add(x);
    })).ToArray();
    await Task.WhenAll(workers);
    var elapsed = stop.Elapsed.TotalSeconds;
    api.Refresh();
    var cpu = (api.TotalProcessorTime - cpuBefore).TotalMilliseconds * 1000;
    return new Run([.. ok.Order()], [.. notModified.Order()], elapsed, bytes, cpu);
}

static void Print(string name, IReadOnlyList<Run> runs)
{
    var all = runs.SelectMany(r => r.Ok.Concat(r.NotModified)).Order().ToArray();
    var requests = runs.Sum(r => r.Requests);
    var rate = requests / runs.Sum(r => r.Seconds);
    var perRun = string.Join(" / ", runs.Select(r => r.Rate.ToString("0", CultureInfo.InvariantCulture)));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name,-28} {rate,7:0} req/s (runs {perRun})  p50 {P(all, 50),6:0.00} ms  p99 {P(all, 99),6:0.00} ms  API CPU {runs.Sum(r => r.CpuMicroseconds) / requests,5:0} us/request  n={requests}"));
}

static double P(IReadOnlyList<double> sorted, double p) =>
    sorted.Count == 0 ? double.NaN : sorted[Math.Max(0, (int)Math.Ceiling(p / 100 * sorted.Count) - 1)];

static HttpClient Client(string baseUrl, int connections) =>
    new(new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
    {
        BaseAddress = new Uri(baseUrl),
        Timeout = TimeSpan.FromSeconds(30),
    };

Process StartApi(string root, string connectionString, string baseUrl, bool counting, bool migrate, bool build)
{
    if (build)
    {
        using var building = Process.Start(new ProcessStartInfo("dotnet", ["build", "-c", "Release", Path.Combine(root, "Marketplace.Api"), "-v", "q", "-nologo"]) { WorkingDirectory = root })
            ?? throw new InvalidOperationException("could not start dotnet build");
        building.WaitForExit();
        if (building.ExitCode != 0)
        {
            throw new InvalidOperationException("dotnet build of Marketplace.Api failed");
        }
    }
    // the dll itself, not dotnet run: the process measured for CPU is the API, not a launcher
    string[] arguments = [Path.Combine(root, "Marketplace.Api", "bin", "Release", "net10.0", "Marketplace.Api.dll"), "--urls", baseUrl];
    var start = new ProcessStartInfo("dotnet", arguments) { WorkingDirectory = Path.Combine(root, "Marketplace.Api"), RedirectStandardOutput = true, RedirectStandardError = true };
    start.Environment["ConnectionStrings__Marketplace"] = connectionString;
    start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
    start.Environment["Marketplace__Database__MigrateOnStartup"] = migrate ? "true" : "false";
    start.Environment["Marketplace__RateLimiting__Enabled"] = "false";
    start.Environment["Marketplace__Auth__SigningKey"] = signingKey;
    start.Environment["Marketplace__DataDirectory"] = dataDirectory;
    start.Environment["Marketplace__Views__Counting"] = counting ? "true" : "false";
    start.Environment["Marketplace__Views__FlushSeconds"] = flushSeconds.ToString(CultureInfo.InvariantCulture);
    start.Environment["Logging__LogLevel__Default"] = "Warning";
    start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
    var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet run");
    process.OutputDataReceived += (_, _) => { };
    process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"api: {e.Data}"); };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    return process;
}

static async Task WaitReadyAsync(HttpClient http)
{
    for (var i = 0; i < 120; i++)
    {
        try
        {
            if ((await http.GetAsync("/health/ready")).IsSuccessStatusCode)
            {
                return;
            }
        }
        catch (HttpRequestException)
        {
        }
        await Task.Delay(500);
    }
    throw new TimeoutException("the API was not ready (migrations?)");
}

static async Task SeedAsync(string connectionString, int listings)
{
    var providers = Math.Max(1, listings / 50);
    await ExecuteAsync(connectionString, null, $"""
        INSERT INTO marketplace.users (id, email, email_verified, password_hash, user_type, status)
        SELECT g, 'owner' || g || '@bench.test', true, 'not-a-real-hash', 'provider', 'active' FROM generate_series(1, {providers}) g;
        INSERT INTO marketplace.providers (id, user_id, provider_type, business_name, city, state, country, payment_mode, time_zone, status,
                                           activated_at, average_rating, total_reviews, total_listings, active_listings)
        SELECT g, g, 'service_provider', 'Bench Paws ' || g, 'Austin', 'TX', 'US', 'manual', 'America/Chicago', 'active', now(), 4.5, 12, 50, 50
          FROM generate_series(1, {providers}) g;
        INSERT INTO marketplace.service_listings (id, provider_id, slug, title, description, category, price_cents, price_type, city, state, zip,
                                                  keywords, status, published_at, created_at, updated_at)
        SELECT g, 1 + (g - 1) % {providers}, 'bench-listing-' || g, 'Dog grooming ' || g,
               'Gentle dog grooming for all breeds in Austin, TX. We are fully insured and certified.', 'grooming',
               5000 + g % 100 * 100, 'fixed', 'Austin', 'TX', '78701', 'groomer bath nails', 'active', now() - interval '1 day', now() - interval '1 day', now() - interval '1 day'
          FROM generate_series(1, {listings}) g;
        ANALYZE;
        """);
}

static async Task ExecuteAsync(string connectionString, string? database, string sql)
{
    var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
    if (database is not null)
    {
        builder.Database = database;
    }
    await using var connection = new NpgsqlConnection(builder.ConnectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(sql, connection);
    await command.ExecuteNonQueryAsync();
}

static string RepositoryRoot()
{
    for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Marketplace.sln")))
        {
            return dir.FullName;
        }
    }
    throw new InvalidOperationException("run this from inside the repository (Marketplace.sln not found above the current directory)");
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

int IntArg(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;
}

internal sealed record Run(double[] Ok, double[] NotModified, double Seconds, long Bytes, double CpuMicroseconds)
{
    public int Requests => Ok.Length + NotModified.Length;
    public double Rate => Requests / Seconds;
    public double CpuPerRequest => CpuMicroseconds / Math.Max(1, Requests);
}
