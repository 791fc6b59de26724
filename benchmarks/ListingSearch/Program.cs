using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using LinqToDB;
using LinqToDB.Data;
using LinqToDB.DataProvider.PostgreSQL;
using ListingSearch;
using Marketplace.Api.Features.Listings.Browse;
using Marketplace.Api.Infrastructure;
using Marketplace.Migrations;
using Npgsql;

// GET /listings under load: a fresh database with 5,000 providers and 200,000 listings (binary
// COPY), the API started as a child process, 16 concurrent clients per scenario, and the EXPLAIN
// (ANALYZE) of each scenario's SQL. Usage: see README.md beside this file.
var options = Options.Parse(args);
var repo = Options.FindRepo();
var server = Environment.GetEnvironmentVariable("ConnectionStrings__Marketplace") ?? "Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres";
// --database NAME measures an already loaded database (kept by an earlier --keep run) instead of loading one
var database = options.Database ?? $"marketplace_bench_{DateTime.UtcNow:yyyyMMddHHmmss}";
var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = database, Pooling = true }.ConnectionString;

if (options.Database is null)
{
    await Admin(server, $"CREATE DATABASE \"{database}\"");
}
Process? api = null;
Process? versusApi = null;
try
{
    var clock = Stopwatch.StartNew();
    MarketplaceMigrator.MigrateUp(connectionString);
    Console.WriteLine($"migrated {database} in {clock.Elapsed.TotalSeconds:0.0} s");
    clock.Restart();
    if (options.Database is null)
    {
        var counts = await DataSet.LoadAsync(connectionString, options.Providers, options.Listings, options.Seed);
        Console.WriteLine($"loaded {counts.Providers:N0} providers and {counts.Listings:N0} listings ({counts.Active:N0} active, not deleted; seed {options.Seed}) with COPY and VACUUM (ANALYZE) in {clock.Elapsed.TotalSeconds:0.0} s");
        clock.Restart();
        var availability = await AvailabilityDataSet.LoadAsync(connectionString);
        Console.WriteLine($"loaded {availability.Plans:N0} availability plans, {availability.HeldSeats:N0} booked seats and {availability.FreeDays:N0} free-day rows in {clock.Elapsed.TotalSeconds:0.0} s");
    }
    if (options.Database is null && !options.NoRum)
    {
        // the opt-in RUM index (Marketplace.Migrations.RumIndex), built after the load (bulk inserts into it cost 20x)
        clock.Restart();
        await using var rumConnection = new NpgsqlConnection(connectionString);
        await rumConnection.OpenAsync();
        await using var createRum = new NpgsqlCommand(Marketplace.Migrations.RumIndex.CreateSql, rumConnection) { CommandTimeout = 0 };
        await createRum.ExecuteNonQueryAsync();
        Console.WriteLine($"built the RUM index (where the extension is installed) in {clock.Elapsed.TotalSeconds:0.0} s");
    }
    var rumSchema = await CoverageScenarios.RumSchemaAsync(connectionString);
    Console.WriteLine(rumSchema is null ? "RUM index: absent (relevance ranks by tier)" : $"RUM index: present (extension in schema {rumSchema})");

    var port = FreePort();
    var baseUrl = $"http://127.0.0.1:{port}";
    // operator tuning of the API's connection string (both optional): a pool sized to the cores, and
    // Npgsql's automatic preparation so PostgreSQL does not re-plan the same browse query every time
    var apiConnection = new NpgsqlConnectionStringBuilder(connectionString);
    if (options.Pool is { } pool)
    {
        apiConnection.MaxPoolSize = pool;
    }
    if (options.AutoPrepare is { } prepare)
    {
        apiConnection.MaxAutoPrepare = prepare;
    }
    api = StartApi(repo, baseUrl, apiConnection.ConnectionString);
    // what the API runs with: it applies its own Max Auto Prepare (Database.Tune) unless the connection string names one
    var autoPrepare = options.AutoPrepare ?? new NpgsqlConnectionStringBuilder(Marketplace.Api.Infrastructure.Database.Tune(apiConnection.ConnectionString)).MaxAutoPrepare;
    Console.WriteLine($"API at {baseUrl}; Maximum Pool Size={apiConnection.MaxPoolSize}, Max Auto Prepare={autoPrepare}; "
        + $"{options.Clients} clients, {options.Duration.TotalSeconds:0} s per scenario");
    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
    {
        BaseAddress = new Uri(baseUrl),
        Timeout = TimeSpan.FromSeconds(30),
    };
    await WaitReadyAsync(http, api);

    var scenarios = await BuildScenariosAsync(http, connectionString);
    if (options.Versus is { } versus)
    {
        // the same scenarios on a second loaded database (--versus), measured in interleaved pairs
        var versusConnection = new NpgsqlConnectionStringBuilder(apiConnection.ConnectionString) { Database = versus }.ConnectionString;
        MarketplaceMigrator.MigrateUp(versusConnection);
        var versusUrl = $"http://127.0.0.1:{FreePort()}";
        versusApi = StartApi(repo, versusUrl, versusConnection);
        using var versusHttp = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = new Uri(versusUrl),
            Timeout = TimeSpan.FromSeconds(30),
        };
        await WaitReadyAsync(versusHttp, versusApi);
        var versusScenarios = (await BuildScenariosAsync(versusHttp, versusConnection)).ToDictionary(s => s.Name);
        // each scenario's work at both sizes, which the machine's load does not move: the buffers its statements touch
        var versusRum = await CoverageScenarios.RumSchemaAsync(versusConnection);
        var work = new List<(string Scenario, long Base, long Versus)>();
        foreach (var scenario in scenarios)
        {
            work.Add((scenario.Name, Scenarios.BuffersTouched(await ExplainAsync(connectionString, scenario, rumSchema)),
                Scenarios.BuffersTouched(await ExplainAsync(versusConnection, versusScenarios[scenario.Name], versusRum))));
        }
        Pairs.PrintWork(database, versus, work);
        if (options.Rounds == 0)
        {
            return 0;
        }
        await Pairs.RunAsync(options, database, versus, [.. scenarios.Select(s => (s, versusScenarios[s.Name]))], http, versusHttp);
        return 0;
    }
    // steady state first: every scenario once through warm-up (JIT tiering, caches, pools), then the measured runs
    foreach (var scenario in scenarios)
    {
        await Load.RunAsync(http, scenario.Probes, options.Clients, TimeSpan.Zero, options.Warmup);
    }
    var results = new List<(Scenario Scenario, Measurement Result, string Plan)>();
    foreach (var scenario in scenarios)
    {
        var result = await Load.RunAsync(http, scenario.Probes, options.Clients, options.Warmup, options.Duration);
        var plan = await ExplainAsync(connectionString, scenario, rumSchema);
        results.Add((scenario, result, plan));
        Console.WriteLine($"{scenario.Name,-36} median {result.MedianMs,6:0.00} ms   p99 {result.P99Ms,6:0.00} ms   {result.RequestsPerSecond,7:0} req/s   ({result.Requests:N0} requests, {result.Errors} errors)");
    }

    Console.WriteLine();
    Console.WriteLine($"| scenario | median | p99 | req/s | index used (EXPLAIN) | slowest EXPLAIN execution |");
    Console.WriteLine($"| --- | ---: | ---: | ---: | --- | ---: |");
    foreach (var (scenario, result, plan) in results)
    {
        var seqScan = plan.Contains("Seq Scan on service_listings", StringComparison.Ordinal);
        var indexes = string.Join(", ", Scenarios.IndexNames(plan));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {scenario.Name} | {result.MedianMs:0.0} ms | {result.P99Ms:0.0} ms | {result.RequestsPerSecond:0} | {(seqScan ? "SEQ SCAN on service_listings! " : "")}{indexes} | {Scenarios.SlowestExecutionMs(plan):0.00} ms |"));
    }
    List<string> relevance = rumSchema is null ? ["(no RUM index: no relevance comparison)"]
        : await CoverageScenarios.CompareRelevanceAsync(connectionString, rumSchema, options.Duration);
    Console.WriteLine();
    relevance.ForEach(Console.WriteLine);
    Console.WriteLine();
    foreach (var (scenario, _, plan) in results)
    {
        Console.WriteLine($"--- EXPLAIN (ANALYZE, BUFFERS) {scenario.Name}");
        Console.WriteLine(plan);
    }
    var failed = results.Where(r => r.Plan.Contains("Seq Scan on service_listings", StringComparison.Ordinal) || r.Result.Errors > 0).ToList();
    return failed.Count == 0 ? 0 : 1;
}
finally
{
    foreach (var process in new[] { api, versusApi })
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }
    NpgsqlConnection.ClearAllPools();
    if (!options.Keep && options.Database is null)
    {
        await Admin(server, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
    }
    else
    {
        Console.WriteLine($"kept database {database}");
    }
}

// every scenario of the run, as --only selects them, with the tokens and cursors of the API at http
async Task<List<Scenario>> BuildScenariosAsync(HttpClient http, string connectionString)
{
    var scenarios = await Scenarios.BuildAsync(http);
    scenarios.AddRange(AvailabilityScenarios.Build());
    scenarios.AddRange(CoverageScenarios.Browse());
    scenarios.AddRange(await CoverageScenarios.AccountsAsync(http, connectionString));
    if (options.Only is { } only)
    {
        var wanted = only.Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        scenarios = [.. scenarios.Where(s => wanted.Any(w => s.Name.Contains(w, StringComparison.Ordinal)))];
    }
    return scenarios;
}

static async Task Admin(string server, string sql)
{
    await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false }.ConnectionString);
    await admin.OpenAsync();
    await using var command = new NpgsqlCommand(sql, admin);
    await command.ExecuteNonQueryAsync();
}

static int FreePort()
{
    using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

static Process StartApi(string repo, string baseUrl, string connectionString)
{
    var start = new ProcessStartInfo("dotnet", ["run", "-c", "Release", "--no-launch-profile", "--project", "Marketplace.Api", "--urls", baseUrl])
    {
        WorkingDirectory = repo,
        RedirectStandardOutput = true,
        RedirectStandardError = true,
        UseShellExecute = false,
    };
    start.Environment["ConnectionStrings__Marketplace"] = connectionString;
    start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
    start.Environment["Marketplace__Auth__SigningKey"] = Scenarios.SigningKey;
    start.Environment["Marketplace__RateLimiting__Enabled"] = "false";
    start.Environment["Marketplace__Database__MigrateOnStartup"] = "false";
    // the accounts' access tokens outlive a long run (15 minutes by default: past them every saved-listings request was a 401)
    start.Environment["Marketplace__Auth__AccessTokenMinutes"] = "1440";
    // one log line per request to the console would measure the console; warnings and errors still show
    start.Environment["Logging__LogLevel__Default"] = "Warning";
    var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the API");
    process.OutputDataReceived += (_, e) => { if (e.Data is not null) { Console.WriteLine("  api: " + e.Data); } };
    process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.WriteLine("  api! " + e.Data); } };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    return process;
}

static async Task WaitReadyAsync(HttpClient http, Process api)
{
    var deadline = DateTime.UtcNow.AddMinutes(5);
    while (DateTime.UtcNow < deadline)
    {
        if (api.HasExited)
        {
            throw new InvalidOperationException($"the API exited with code {api.ExitCode}");
        }
        try
        {
            if ((await http.GetAsync("/health/ready")).IsSuccessStatusCode)
            {
                Console.WriteLine("API ready");
                return;
            }
        }
        catch (HttpRequestException)
        {
        }
        await Task.Delay(500);
    }
    throw new TimeoutException("the API did not become ready within 5 minutes");
}

/// <summary>EXPLAIN (ANALYZE, BUFFERS) of the exact SQL the API runs for each distinct request of the scenario.</summary>
static async Task<string> ExplainAsync(string connectionString, Scenario scenario, string? rumSchema)
{
    using var db = new DataConnection(new DataOptions().UsePostgreSQL(
        new NpgsqlConnectionStringBuilder(connectionString) { Timezone = "UTC" }.ConnectionString, PostgreSQLVersion.v15));
    var plans = new StringBuilder();
    foreach (var probe in scenario.Probes)
    {
        if (probe.Query is not null)
        {
            plans.AppendLine($"-- GET {probe.Url}").AppendLine(await CoverageScenarios.AutoExplainAsync(connectionString, probe.Query));
            continue;
        }
        var sql = Marketplace.Api.Features.Listings.Browse.Data.BuildSql(probe.Request, probe.After, (probe.Request.Limit ?? Paging.DefaultLimit) + 1, rumSchema: rumSchema);
        // every statement the page runs (relevance by tier may read a second tier, or sort a tier its window fell short in)
        var ran = new List<BrowseSql>();
        await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Timezone = "UTC" }.ConnectionString))
        {
            await connection.OpenAsync();
            await Marketplace.Api.Features.Listings.Browse.Data.QueryAsync(connection, sql, default, ran.Add);
        }
        plans.AppendLine($"-- GET {probe.Url}");
        foreach (var statement in ran)
        {
            var lines = await db.QueryToListAsync<string>("EXPLAIN (ANALYZE, BUFFERS) " + statement.Sql, [.. statement.Parameters]);
            plans.AppendLine(string.Join('\n', lines));
        }
    }
    return plans.ToString().TrimEnd();
}

internal sealed record Options(int Providers, int Listings, int Clients, TimeSpan Warmup, TimeSpan Duration, int? Pool, int? AutoPrepare, bool Keep, string? Database, bool NoRum, string? Only,
    string? Versus, int Rounds, int Seed)
{
    public static Options Parse(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        return new Options(
            int.Parse(Value("--providers") ?? "5000", CultureInfo.InvariantCulture),
            int.Parse(Value("--listings") ?? "200000", CultureInfo.InvariantCulture),
            int.Parse(Value("--clients") ?? "16", CultureInfo.InvariantCulture),
            TimeSpan.FromSeconds(double.Parse(Value("--warmup") ?? "3", CultureInfo.InvariantCulture)),
            TimeSpan.FromSeconds(double.Parse(Value("--seconds") ?? "15", CultureInfo.InvariantCulture)),
            Value("--pool") is { } pool ? int.Parse(pool, CultureInfo.InvariantCulture) : null,
            Value("--auto-prepare") is { } prepare ? int.Parse(prepare, CultureInfo.InvariantCulture) : null,
            args.Contains("--keep"),
            Value("--database"),
            // --no-rum: load without the opt-in RUM index (building it over 1M listings takes ~30 minutes)
            args.Contains("--no-rum"),
            // --only TEXT: measure only the scenarios whose name contains TEXT (| separates several)
            Value("--only"),
            // --versus NAME: with --database, the same scenarios on a second loaded database, in --rounds interleaved pairs
            Value("--versus"),
            int.Parse(Value("--rounds") ?? "5", CultureInfo.InvariantCulture),
            // --seed N: another draw of the same data set (which listing gets which words, price and provider)
            int.Parse(Value("--seed") ?? "42", CultureInfo.InvariantCulture));
    }

    /// <summary>The repository root (where Marketplace.sln is), from the working directory or the binary's.</summary>
    public static string FindRepo()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Marketplace.sln")))
                {
                    return dir.FullName;
                }
            }
        }
        throw new InvalidOperationException("run from inside the repository (Marketplace.sln not found)");
    }
}

/// <summary>One measured case: the URLs its clients cycle through, and the request of the first (for EXPLAIN).</summary>
internal sealed record Scenario(string Name, Probe[] Probes)
{
    public string[] Urls => [.. Probes.Select(p => p.Url)];
}

/// <summary>One distinct request of a scenario: its URL, and the request and cursor the API decodes from it (for EXPLAIN).</summary>
internal sealed record Probe(string Url, Request Request, BrowseCursor? After)
{
    /// <summary>Bearer token of the caller (saved and own listings).</summary>
    public string? Token { get; init; }

    /// <summary>For a request that is not browse: the slice's own query, run under auto_explain for its plan.</summary>
    public Func<Marketplace.Api.Data.Db, Task>? Query { get; init; }
}

internal static class Scenarios
{
    /// <summary>The API's signing key for this run: page 50's cursor is decoded (and its signature checked) as the API does.</summary>
    public static readonly string SigningKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48));

    private const string Base = "/api/v1/marketplace/listings";

    public static async Task<List<Scenario>> BuildAsync(HttpClient http)
    {
        var list = new List<Scenario>
        {
            Simple("no filter (newest)", new Request { Limit = 20 }),
            Rotating("category + state", [
                new Request { Category = "grooming", State = "TX", Limit = 20 },
                new Request { Category = "training", State = "CA", Limit = 20 },
                new Request { Category = "boarding", State = "NY", Limit = 20 },
                new Request { Category = "vet", State = "FL", Limit = 20 },
                new Request { Category = "photography", State = "WA", Limit = 20 },
            ]),
            Rotating("q (newest)", [
                new Request { Q = "puppy", Limit = 20 },
                new Request { Q = "hypoallergenic shampoo", Limit = 20 },
                new Request { Q = "airport", Limit = 20 },
                new Request { Q = "agility training", Limit = 20 },
                new Request { Q = "senior wellness", Limit = 20 },
            ]),
            Rotating("q (relevance)", [
                new Request { Q = "puppy", Sort = Sorts.Relevance, Limit = 20 },
                new Request { Q = "hypoallergenic shampoo", Sort = Sorts.Relevance, Limit = 20 },
                new Request { Q = "airport", Sort = Sorts.Relevance, Limit = 20 },
                new Request { Q = "agility training", Sort = Sorts.Relevance, Limit = 20 },
                new Request { Q = "senior wellness", Sort = Sorts.Relevance, Limit = 20 },
            ]),
            // relevance's two extremes: a word in the title of every 14th listing, and one no listing has (every tier's window
            // comes up short and every tier is read from its GIN index)
            Simple("q (relevance, one common word)", new Request { Q = "puppy", Sort = Sorts.Relevance, Limit = 20 }),
            Simple("q (relevance, no match)", new Request { Q = "labradoodle", Sort = Sorts.Relevance, Limit = 20 }),
            // a word no listing has among common ones, with each sort: a prepared statement's generic plan is made for no word in
            // particular, and must not walk a whole index for a rare one
            Rotating("q, common and rare words (newest)", [
                new Request { Q = "puppy", Limit = 20 }, new Request { Q = "labradoodle", Limit = 20 }, new Request { Q = "airport", Limit = 20 }]),
            Rotating("q, common and rare words (popular)", [
                new Request { Q = "puppy", Sort = Sorts.Popular, Limit = 20 }, new Request { Q = "labradoodle", Sort = Sorts.Popular, Limit = 20 },
                new Request { Q = "airport", Sort = Sorts.Popular, Limit = 20 }]),
            Rotating("q, common and rare words (price_asc)", [
                new Request { Q = "puppy", Sort = Sorts.PriceAsc, Limit = 20 }, new Request { Q = "labradoodle", Sort = Sorts.PriceAsc, Limit = 20 },
                new Request { Q = "airport", Sort = Sorts.PriceAsc, Limit = 20 }]),
            Rotating("q, common and rare words (relevance)", [
                new Request { Q = "puppy", Sort = Sorts.Relevance, Limit = 20 }, new Request { Q = "labradoodle", Sort = Sorts.Relevance, Limit = 20 },
                new Request { Q = "airport", Sort = Sorts.Relevance, Limit = 20 }]),
            Rotating("price sort", [
                new Request { Sort = Sorts.PriceAsc, Limit = 20 },
                new Request { Sort = Sorts.PriceDesc, Limit = 20 },
            ]),
        };
        list.Add(await Page50Async(http, "page 50 (newest)", new Request { Limit = 20 }));
        list.Add(await Page50Async(http, "page 50 (price_asc)", new Request { Sort = Sorts.PriceAsc, Limit = 20 }));
        return list;
    }

    /// <summary>Walks 49 pages through nextCursor to reach page 50 of a listing, the way a client pages.</summary>
    private static async Task<Scenario> Page50Async(HttpClient http, string name, Request request)
    {
        string? cursor = null;
        for (var page = 1; page < 50; page++)
        {
            var json = JsonDocument.Parse(await http.GetStringAsync(Url(request) + (cursor is null ? "" : $"&cursor={cursor}"))).RootElement;
            cursor = json.GetProperty("nextCursor").GetString() ?? throw new InvalidOperationException($"{name}: fewer than 50 pages");
        }
        return new Scenario(name, [new Probe(Url(request) + $"&cursor={cursor}", request, new Cursors(Encoding.UTF8.GetBytes(SigningKey)).Decode<BrowseCursor>(cursor, Marketplace.Api.Features.Listings.Browse.Data.ScopeOf(request)))]);
    }

    private static Scenario Simple(string name, Request request) => Rotating(name, [request]);

    internal static Scenario Rotating(string name, Request[] requests) => new(name, [.. requests.Select(r => new Probe(Url(r), r, null))]);

    private static string Url(Request r)
    {
        var query = new List<string>();
        void Add(string key, object? value)
        {
            if (value is not null)
            {
                query.Add($"{key}={Uri.EscapeDataString(Convert.ToString(value, CultureInfo.InvariantCulture)!)}");
            }
        }
        Add("category", r.Category);
        Add("state", r.State);
        Add("city", r.City);
        Add("minPriceCents", r.MinPriceCents);
        Add("maxPriceCents", r.MaxPriceCents);
        Add("q", r.Q);
        Add("sort", r.Sort);
        Add("limit", r.Limit);
        return $"{Base}?{string.Join('&', query)}";
    }

    /// <summary>The longest execution among a scenario's plans (EXPLAIN's "Execution Time", auto_explain's "duration").</summary>
    public static double SlowestExecutionMs(string plan) =>
        System.Text.RegularExpressions.Regex.Matches(plan, @"(?:Execution Time|duration): ([0-9.]+) ms")
            .Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).DefaultIfEmpty(double.NaN).Max();

    /// <summary>
    /// Shared buffers (hit + read) the plans' statements touched in all, from the top node's own
    /// <c>Buffers</c> line of each (indented by two; the planner's, under <c>Planning:</c>, left out):
    /// the work of a page, whatever else the machine runs.
    /// </summary>
    public static long BuffersTouched(string plan)
    {
        long total = 0;
        var planning = false;
        foreach (var line in plan.Split('\n'))
        {
            if (line.StartsWith("Planning:", StringComparison.Ordinal))
            {
                planning = true;
            }
            else if (line.StartsWith("  Buffers: ", StringComparison.Ordinal))
            {
                if (!planning)
                {
                    total += System.Text.RegularExpressions.Regex.Matches(line, @"(?:hit|read)=(\d+)")
                        .Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
                }
            }
            else if (line.Length > 0 && line[0] != ' ')
            {
                planning = false;
            }
        }
        return total;
    }

    public static IEnumerable<string> IndexNames(string plan) =>
        System.Text.RegularExpressions.Regex.Matches(plan, @"(?:Index Scan|Index Only Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\w+)")
            .Select(m => m.Groups[1].Value).Where(n => !n.StartsWith("pk_providers", StringComparison.Ordinal)).Distinct();
}

/// <summary>One scenario's run; <paramref name="LatenciesMs"/> every answer's latency, sorted (Pairs pools them over the rounds).</summary>
internal sealed record Measurement(int Requests, int Errors, double MedianMs, double P99Ms, double RequestsPerSecond, double[] LatenciesMs);

internal static class Load
{
    /// <summary>Closed loop: each client sends its next request when the previous one answered; bounded by time.</summary>
    public static async Task<Measurement> RunAsync(HttpClient http, Probe[] urls, int clients, TimeSpan warmup, TimeSpan duration)
    {
        await RunPhaseAsync(http, urls, clients, warmup, record: null);
        var latencies = new List<double>[clients];
        var errors = 0;
        var started = Stopwatch.GetTimestamp();
        await RunPhaseAsync(http, urls, clients, duration, record: (client, ms, ok) =>
        {
            (latencies[client] ??= []).Add(ms);
            if (!ok)
            {
                Interlocked.Increment(ref errors);
            }
        });
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var all = latencies.Where(l => l is not null).SelectMany(l => l).Order().ToArray();
        return new Measurement(all.Length, errors, Percentile(all, 0.50), Percentile(all, 0.99), all.Length / elapsed, all);
    }

    private static Task RunPhaseAsync(HttpClient http, Probe[] urls, int clients, TimeSpan length, Action<int, double, bool>? record)
    {
        var until = Stopwatch.GetTimestamp() + (long)(length.TotalSeconds * Stopwatch.Frequency);
        return Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            var i = client;
            var buffer = new byte[64 * 1024];
            while (Stopwatch.GetTimestamp() < until)
            {
                var probe = urls[i++ % urls.Length];
                var sent = Stopwatch.GetTimestamp();
                var ok = false;
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, probe.Url);
                    if (probe.Token is not null)
                    {
                        request.Headers.Authorization = new("Bearer", probe.Token);
                    }
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    await using var body = await response.Content.ReadAsStreamAsync();
                    while (await body.ReadAsync(buffer) > 0)
                    {
                    }
                    ok = response.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                }
                record?.Invoke(client, Stopwatch.GetElapsedTime(sent).TotalMilliseconds, ok);
            }
        })));
    }

    internal static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
