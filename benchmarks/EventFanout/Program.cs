// Event fan-out: state changes (PATCH /listings/{id}, each writing listing.updated) fanned out
// to 3 webhook endpoints on a loopback receiver. Reports deliveries per second, the delay from the
// change's commit to its delivery (p50/p99), and the change's own request latency with webhooks on
// against the same requests with webhooks off, in the same run: rounds off, on, off, on, ..., off, each "on"
// round compared with the "off" rounds either side of it, and the median of those ratios.
// Usage: dotnet run -c Release --project benchmarks/EventFanout -- [--changes 2000] [--rounds 3] [--senders 8] [--keep]
//        [--in-process-receiver] [--api-env KEY=VALUE ...] [--receiver-nice N] [--worker] [--worker-nice N]
// --worker: delivery runs in a second API process (a worker instance, BackgroundDelivery=true, serving no requests) and
// the measured instance has Marketplace__Webhooks__BackgroundDelivery=false, the production split README recommends.
// --receiver-nice / --worker-nice: start that process under nice(1), so on this one machine the scheduler gives the
// measured instance the CPU first, as the receiver's and the worker's own machines would.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Marketplace.Migrations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Npgsql;

if (args is ["receive", var portArg])
{
    // the receiver as a process of its own (the default): its work is not done on the load generator's thread pool
    var app = BuildReceiver(int.Parse(portArg, CultureInfo.InvariantCulture));
    await app.RunAsync();
    return 0;
}

var changes = Arg("--changes", 2_000);
var rounds = Arg("--rounds", 3);
var senders = Arg("--senders", 8);
var keep = args.Contains("--keep");
var inProcessReceiver = args.Contains("--in-process-receiver");
var receiverNice = Arg("--receiver-nice", 0);
var useWorker = args.Contains("--worker");
var workerNice = Arg("--worker-nice", 0);
var repo = FindRepoRoot();
var serverCs = Environment.GetEnvironmentVariable("ConnectionStrings__Marketplace") ?? "Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres";
var dbName = $"marketplace_fanout_{DateTime.UtcNow:yyyyMMddHHmmss}";
var adminCs = new NpgsqlConnectionStringBuilder(serverCs) { Database = "postgres" }.ConnectionString;
var cs = new NpgsqlConnectionStringBuilder(serverCs) { Database = dbName }.ConnectionString;
Console.WriteLine($"database {dbName}: creating and migrating");
await ExecAsync(adminCs, $"CREATE DATABASE \"{dbName}\"");
MarketplaceMigrator.MigrateUp(cs);

// the receiver: three endpoints (paths) on one Kestrel, recording when each event arrived where; a child
// process by default (a real receiver is not in the load generator's process), in this one with --in-process-receiver
var receiverPort = FreePort();
WebApplication? inProcess = null;
Process? receiverProcess = null;
if (inProcessReceiver)
{
    inProcess = BuildReceiver(receiverPort);
    await inProcess.StartAsync();
}
else
{
    var self = typeof(Run).Assembly.Location;
    var command = Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal)
        ? $"\"{Environment.ProcessPath}\" \"{self}\" receive {receiverPort}"
        : $"\"{Environment.ProcessPath}\" receive {receiverPort}";
    receiverProcess = Process.Start(new ProcessStartInfo("nice", $"-n {receiverNice} {command}"))!;
}
using var receiverHttp = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{receiverPort}/") };
for (var tries = 0; ; tries++)
{
    try
    {
        (await receiverHttp.GetAsync("count")).EnsureSuccessStatusCode();
        break;
    }
    catch (HttpRequestException) when (tries < 100)
    {
        await Task.Delay(100);
    }
}
Console.WriteLine($"receiver: {(inProcessReceiver ? "in this process" : $"its own process (nice {receiverNice})")}, port {receiverPort}; "
    + (useWorker ? $"delivery on a worker process (nice {workerNice}), not the measured instance" : "delivery in the measured instance"));
async Task<int> ReceivedCountAsync(DateTime since) =>
    int.Parse(await receiverHttp.GetStringAsync($"count?since={since.Ticks}"), CultureInfo.InvariantCulture);
async Task<List<(DateTime At, DateTime OccurredAt)>> ReceivedSinceAsync(DateTime since) =>
    [.. (await receiverHttp.GetFromJsonAsync<long[][]>($"received?since={since.Ticks}"))!.Select(r => (new DateTime(r[0], DateTimeKind.Utc), new DateTime(r[1], DateTimeKind.Utc)))];

Process? api = null;
Process? worker = null;
var exit = 1;
try
{
    var port = FreePort();
    if (useWorker)
    {
        // the worker first: both build the API, and the measured instance must not start on a half-built one
        worker = StartApi(repo, cs, FreePort(), ApiEnv(), workerNice);
        api = StartApi(repo, cs, port, [.. ApiEnv(), ("Marketplace__Webhooks__BackgroundDelivery", "false")]);
    }
    else
    {
        api = StartApi(repo, cs, port, ApiEnv());
    }
    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = senders * 2 }) { BaseAddress = new Uri($"http://127.0.0.1:{port}/api/v1/marketplace/") };
    await ApiProcess.WaitLiveAsync(http, api);

    // a provider with 200 draft listings, through the API where it matters (the session) and SQL for the rest
    var register = await (await http.PostAsJsonAsync("auth/register", new { email = $"fanout.{Guid.NewGuid():N}@example.test", password = "a-long-enough-password" })).Content.ReadFromJsonAsync<JsonElement>();
    var userId = register.GetProperty("user").GetProperty("id").GetInt32();
    http.DefaultRequestHeaders.Authorization = new("Bearer", register.GetProperty("accessToken").GetString());
    var listings = await SeedListingsAsync(cs, userId, 200);

    var endpoints = new List<int>();
    for (var i = 1; i <= 3; i++)
    {
        var created = await (await http.PostAsJsonAsync("webhook-endpoints", new { url = $"http://127.0.0.1:{receiverPort}/hooks/{i}", eventTypes = new[] { "listing.updated" } }))
            .Content.ReadFromJsonAsync<JsonElement>();
        endpoints.Add(created.GetProperty("id").GetInt32());
    }
    async Task SwitchAsync(bool on)
    {
        foreach (var id in endpoints)
        {
            (await http.PatchAsJsonAsync($"webhook-endpoints/{id}", new { disabled = !on })).EnsureSuccessStatusCode();
        }
        // the fan-out reads the endpoints every 200 ms: let one round pass
        await Task.Delay(1500);
    }

    // warm-up (webhooks on, so both paths are jitted), then off, on, off, on, ... off: each "on" round
    // compared with the "off" rounds on either side of it
    var warm = Math.Min(1000, changes);
    await ChangeAsync(http, listings, warm, senders, "warm");
    var drained = DateTime.UtcNow.AddMinutes(2);
    while (await ReceivedCountAsync(DateTime.MinValue) < 3 * warm && DateTime.UtcNow < drained)
    {
        await Task.Delay(100);
    }
    await SwitchAsync(on: false);
    // database commits (pg_stat_database, this database): per change with webhooks off, and what delivery adds per delivery
    var commitsBefore = await CommitsAsync(cs);
    var offRuns = new List<Run> { await ChangeAsync(http, listings, changes, senders, "off1") };
    var offCommits = new List<double> { (await CommitsAsync(cs) - commitsBefore) / (double)changes };
    var extraCommitsPerDelivery = new List<double>();
    var onRuns = new List<Run>();
    var p50Ratios = new List<double>();
    var p99Ratios = new List<double>();
    var allDelays = new List<double>();
    var allDelivered = true;
    for (var round = 1; round <= rounds; round++)
    {
        await SwitchAsync(on: true);
        var startedOn = DateTime.UtcNow;
        var onCommitsBefore = await CommitsAsync(cs);
        var on = await ChangeAsync(http, listings, changes, senders, $"on{round}");
        onRuns.Add(on);
        // only this round's changes count (an event committed just before the switch may be delivered too)
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (await ReceivedCountAsync(startedOn) < 3 * changes && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        var measured = await ReceivedSinceAsync(startedOn);
        allDelivered &= measured.Count == 3 * changes;
        var onCommits = await CommitsAsync(cs) - onCommitsBefore;
        var lastAt = measured.Max(v => v.At);
        var delays = measured.Select(v => (v.At - v.OccurredAt).TotalMilliseconds).Order().ToArray();
        allDelays.AddRange(delays);
        Console.WriteLine($"  webhooks on{round}: {measured.Count} of {3 * changes} deliveries in {(lastAt - startedOn).TotalSeconds:0.0} s "
            + $"= {measured.Count / (lastAt - startedOn).TotalSeconds:0} deliveries/s; commit->delivery p50 {Pct(delays, 50):0} ms, p99 {Pct(delays, 99):0} ms, max {delays[^1]:0} ms");
        await SwitchAsync(on: false);
        var offBefore = await CommitsAsync(cs);
        var off = await ChangeAsync(http, listings, changes, senders, $"off{round + 1}");
        offRuns.Add(off);
        offCommits.Add((await CommitsAsync(cs) - offBefore) / (double)changes);
        extraCommitsPerDelivery.Add((onCommits - (offCommits[^2] + offCommits[^1]) / 2 * changes) / (3.0 * changes));
        Console.WriteLine($"  database commits: {offCommits[^1]:0.00} per change with webhooks off; delivery adds {extraCommitsPerDelivery[^1]:0.00} per delivery");
        var before = offRuns[^2];
        p50Ratios.Add(on.P50 / ((before.P50 + off.P50) / 2));
        p99Ratios.Add(on.P99 / ((before.P99 + off.P99) / 2));
        Console.WriteLine($"  round {round}: on / off (mean of the off rounds either side): p50 {p50Ratios[^1]:0.00}x, p99 {p99Ratios[^1]:0.00}x");
    }
    var duplicates = int.Parse(await receiverHttp.GetStringAsync("duplicates"), CultureInfo.InvariantCulture);
    allDelays.Sort();
    var sortedDelays = allDelays.ToArray();
    Console.WriteLine($"webhooks: commit->delivery over every on round: p50 {Pct(sortedDelays, 50):0} ms, p99 {Pct(sortedDelays, 99):0} ms; duplicates {duplicates}");
    Console.WriteLine($"request latency on / off, median of {rounds} rounds: p50 {Median(p50Ratios):0.00}x ({string.Join(", ", p50Ratios.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture)))}), "
        + $"p99 {Median(p99Ratios):0.00}x ({string.Join(", ", p99Ratios.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture)))}); "
        + $"throughput {onRuns.Average(r => r.PerSecond) / offRuns.Average(r => r.PerSecond):0.00}x "
        + $"(machine: {Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");
    Console.WriteLine($"database commits added per delivery, median of {rounds} rounds: {Median(extraCommitsPerDelivery):0.00}");
    exit = allDelivered && duplicates == 0 ? 0 : 1;
    Console.WriteLine(exit == 0 ? "PASS: every event delivered to every endpoint exactly once" : "FAIL");
}
finally
{
    foreach (var instance in new[] { api, worker })
    {
        if (instance is { HasExited: false })
        {
            instance.Kill(entireProcessTree: true);
            instance.WaitForExit(10_000);
        }
    }
    if (inProcess is not null)
    {
        await inProcess.StopAsync();
    }
    if (receiverProcess is { HasExited: false })
    {
        receiverProcess.Kill(entireProcessTree: true);
        receiverProcess.WaitForExit(10_000);
    }
    if (!keep)
    {
        NpgsqlConnection.ClearAllPools();
        await ExecAsync(adminCs, $"DROP DATABASE IF EXISTS \"{dbName}\" WITH (FORCE)");
    }
}
return exit;

// --api-env KEY=VALUE (repeatable): settings for the API process, e.g. Marketplace__Webhooks__YieldMilliseconds=0
IEnumerable<(string, string)> ApiEnv() =>
    args.Select((a, i) => (a, i)).Where(p => p.a == "--api-env" && p.i + 1 < args.Length)
        .Select(p => args[p.i + 1].Split('=', 2)).Select(kv => (kv[0], kv.Length > 1 ? kv[1] : ""));

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

// POST /hooks/{n}: one endpoint per path; GET /count?since=, /received?since= (ticks of occurredAt), /duplicates
static WebApplication BuildReceiver(int port)
{
    var received = new ConcurrentDictionary<(string Path, string Id), (DateTime At, DateTime OccurredAt)>();
    var duplicates = 0;
    var builder = WebApplication.CreateSlimBuilder();
    builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
    builder.Logging.ClearProviders();
    var app = builder.Build();
    app.MapPost("/hooks/{n}", async (HttpContext http, string n) =>
    {
        var at = DateTime.UtcNow;
        using var body = await JsonDocument.ParseAsync(http.Request.Body);
        var occurred = body.RootElement.GetProperty("occurredAt").GetDateTime().ToUniversalTime();
        if (!received.TryAdd((n, http.Request.Headers["webhook-id"].ToString()), (at, occurred)))
        {
            Interlocked.Increment(ref duplicates);
        }
        return Results.NoContent();
    });
    app.MapGet("/count", (long? since) => received.Values.Count(v => v.OccurredAt.Ticks >= (since ?? 0)).ToString(CultureInfo.InvariantCulture));
    app.MapGet("/received", (long since) =>
        Results.Text(JsonSerializer.Serialize(received.Values.Where(v => v.OccurredAt.Ticks >= since).Select(v => new[] { v.At.Ticks, v.OccurredAt.Ticks }).ToArray()), "application/json"));
    app.MapGet("/duplicates", () => Volatile.Read(ref duplicates).ToString(CultureInfo.InvariantCulture));
    return app;
}

static double Median(List<double> values) => Pct([.. values.Order()], 50);

static double Pct(double[] sorted, int p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p / 100.0 * sorted.Length) - 1)];

static async Task<Run> ChangeAsync(HttpClient http, int[] listings, int count, int senders, string label)
{
    var latencies = new double[count];
    var next = -1;
    var failures = 0;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, senders).Select(async _ =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < count)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await http.PatchAsJsonAsync($"listings/{listings[i % listings.Length]}", new { title = $"Grooming {label} {i}" });
            latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (!response.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref failures);
            }
        }
    }));
    var elapsed = clock.Elapsed.TotalSeconds;
    Array.Sort(latencies);
    var run = new Run(count / elapsed, Pct(latencies, 50), Pct(latencies, 99));
    Console.WriteLine($"{label}: {count} changes in {elapsed:0.0} s = {run.PerSecond:0}/s, p50 {run.P50:0.0} ms, p99 {run.P99:0.0} ms, failures {failures}");
    return run;
}

static async Task<int[]> SeedListingsAsync(string cs, int userId, int count)
{
    await using var db = new NpgsqlConnection(cs);
    await db.OpenAsync();
    await using (var provider = new NpgsqlCommand("""
        INSERT INTO marketplace.providers (user_id, provider_type, business_name, city, state, country, payment_mode, time_zone, status, activated_at, created_at, updated_at)
        VALUES ($1, 'service_provider', 'Fan-out grooming', 'Austin', 'TX', 'US', 'manual', 'America/Chicago', 'active', now(), now(), now())
        """, db))
    {
        provider.Parameters.Add(new NpgsqlParameter<int> { TypedValue = userId });
        await provider.ExecuteNonQueryAsync();
    }
    await using var insert = new NpgsqlCommand("""
        INSERT INTO marketplace.service_listings (provider_id, slug, title, description, category, price_type, price_cents, status, created_at, updated_at)
        SELECT p.id, 'fanout-' || g, 'Grooming ' || g, 'Benchmark listing', 'grooming', 'fixed', 5000, 'draft', now(), now()
          FROM marketplace.providers p, generate_series(1, $2) g WHERE p.user_id = $1
        RETURNING id
        """, db);
    insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = userId });
    insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = count });
    var ids = new List<int>();
    await using var reader = await insert.ExecuteReaderAsync();
    while (await reader.ReadAsync())
    {
        ids.Add(reader.GetInt32(0));
    }
    return [.. ids];
}

static Process StartApi(string repo, string cs, int port, IEnumerable<(string Key, string Value)> extraEnv, int nice = 0)
{
    Console.WriteLine("building the API (Release)");
    using (var build = Process.Start(new ProcessStartInfo("dotnet", "build Marketplace.Api -c Release -v q -nologo") { WorkingDirectory = repo })!)
    {
        build.WaitForExit();
        if (build.ExitCode != 0)
        {
            throw new InvalidOperationException("the API does not build");
        }
    }
    var start = new ProcessStartInfo("nice", $"-n {nice} dotnet run -c Release --no-build --project Marketplace.Api --urls http://127.0.0.1:{port}")
    {
        WorkingDirectory = repo,
        RedirectStandardOutput = true,
        RedirectStandardError = true,
    };
    start.Environment["ConnectionStrings__Marketplace"] = cs + ";Maximum Pool Size=64;Max Auto Prepare=64;Auto Prepare Min Usages=2";
    start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
    start.Environment["Marketplace__Auth__SigningKey"] = "benchmark-signing-key-of-at-least-32-bytes!";
    start.Environment["Marketplace__RateLimiting__Enabled"] = "false";
    start.Environment["Marketplace__Webhooks__AllowHttp"] = "true";
    start.Environment["Marketplace__Webhooks__AllowPrivateTargets"] = "true";
    start.Environment["Marketplace__DataDirectory"] = Path.Combine(Path.GetTempPath(), $"marketplace-fanout-{Environment.ProcessId}");
    start.Environment["Logging__LogLevel__Default"] = "Warning";
    start.Environment["Logging__LogLevel__Marketplace.Requests"] = "Warning";
    foreach (var (key, value) in extraEnv)
    {
        start.Environment[key] = value;
    }
    var process = Process.Start(start)!;
    process.OutputDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line && line.Contains("fail", StringComparison.OrdinalIgnoreCase)) Console.WriteLine("api: " + line); };
    process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) Console.WriteLine("api: " + line); };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    return process;
}

// pg_stat_database counts every committed transaction of the database; stats reach it within a second, so settle first
static async Task<long> CommitsAsync(string cs)
{
    await Task.Delay(1200);
    await using var db = new NpgsqlConnection(cs);
    await db.OpenAsync();
    await using var command = new NpgsqlCommand("SELECT pg_stat_clear_snapshot(); SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()", db);
    await using var reader = await command.ExecuteReaderAsync();
    await reader.NextResultAsync();
    await reader.ReadAsync();
    return reader.GetInt64(0);
}

static async Task ExecAsync(string cs, string sql)
{
    await using var db = new NpgsqlConnection(cs);
    await db.OpenAsync();
    await using var command = new NpgsqlCommand(sql, db);
    await command.ExecuteNonQueryAsync();
}

static int FreePort()
{
    using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
    listener.Start();
    return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
}

static string FindRepoRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Marketplace.sln")))
    {
        dir = dir.Parent;
    }
    return dir?.FullName ?? throw new InvalidOperationException("run from inside the repository");
}

internal sealed record Run(double PerSecond, double P50, double P99);
