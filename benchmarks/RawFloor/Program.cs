using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Marketplace.Migrations;
using Npgsql;
using ListingSearch;
using RawFloor;

// The API against the raw-driver floor (RawApp.cs): same database, same SQL, same JSON, measured
// in interleaved rounds by the same client. Usage: see README.md beside this file.
if (args is ["serve", ..])
{
    await RawApp.RunAsync(args[1..]);
    return 0;
}

var options = Options.Parse(args);
var repo = Options.FindRepo();
var server = Environment.GetEnvironmentVariable("ConnectionStrings__Marketplace") ?? "Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres";
// --database NAME: a database loaded by an earlier run (kept); created and loaded when missing
var database = options.Database ?? $"marketplace_floor_{DateTime.UtcNow:yyyyMMddHHmmss}";
var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
var signingKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48));
var apiDlls = options.ApiDlls.Count > 0 ? options.ApiDlls : [Path.Combine(repo, "Marketplace.Api/bin/Release/net10.0/Marketplace.Api.dll")];
var rawDll = typeof(RawApp).Assembly.Location;

var reuse = options.Database is not null && await Exists(server, database);
if (!reuse)
{
    await Admin(server, $"CREATE DATABASE \"{database}\"");
}
var started = new List<Process>();
try
{
    var clock = Stopwatch.StartNew();
    // a kept database gets the migrations added since it was loaded: the APIs start with MigrateOnStartup off and are not ready with one pending
    MarketplaceMigrator.MigrateUp(connectionString);
    long listings;
    if (reuse)
    {
        // the size it was loaded with, whatever --listings says now
        await using var counting = new NpgsqlConnection(connectionString);
        await counting.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM marketplace.service_listings", counting);
        listings = (long)(await count.ExecuteScalarAsync())!;
        Console.WriteLine($"{database}: reused as loaded by an earlier run (migrated), {listings:N0} listings");
    }
    else
    {
        var counts = await DataSet.LoadAsync(connectionString, options.Providers, options.Listings);
        listings = counts.Listings;
        Console.WriteLine($"{database}: {counts.Listings:N0} listings ({counts.Active:N0} active) loaded in {clock.Elapsed.TotalSeconds:0.0} s");
    }
    var appConnection = connectionString + (options.Connection is { } extra ? ";" + extra : "");
    Console.WriteLine($"connection string of both apps: {Regex.Replace(appConnection, "Password=[^;]*", "Password=***")}");

    if (options.ColdStarts > 0)
    {
        Console.WriteLine($"cold start, process start to the first 200 of /health/ready, median of {options.ColdStarts}:");
        foreach (var (name, dll) in apiDlls.Select((d, i) => ($"api#{i + 1}", d)).Append(("raw", rawDll)))
        {
            var times = new List<double>();
            for (var i = 0; i < options.ColdStarts; i++)
            {
                var (ms, process) = await ColdStartAsync(dll, name == "raw", appConnection, signingKey);
                ApiProcess.Stop(process);
                times.Add(ms);
            }
            times.Sort();
            Console.WriteLine($"  {name,-6} median {times[times.Count / 2],6:0} ms   (runs: {string.Join(", ", times.Select(t => t.ToString("0", CultureInfo.InvariantCulture)))})   {dll}");
        }
        if (options.Rounds == 0)
        {
            return 0;
        }
    }

    // one API process per connection-setting variant (--variant name=settings) and per other build or
    // environment (--target name=dll, --env name=KEY=VALUE), all measured in the same interleaved rounds
    var targets = new List<(string Name, string Url)>();
    var processes = new Dictionary<string, Process>();
    var apis = options.Variants.Count > 0 || options.Targets.Count == 0
        ? [.. (options.Variants.Count > 0 ? options.Variants : [("api", "")]).Select(v => (v.Name, Dll: apiDlls[0], v.Settings))]
        : new List<(string Name, string Dll, string Settings)>();
    apis.AddRange(options.Targets.Select(t => (t.Name, t.Dll, Settings: "")));
    foreach (var (name, dll, settings) in apis)
    {
        var environment = options.Environment.Where(e => e.Name == name).Select(e => e.Setting).ToList();
        var (_, api) = await ColdStartAsync(dll, raw: false, appConnection + (settings.Length > 0 ? ";" + settings : ""), signingKey, environment);
        started.Add(api);
        targets.Add((name, Url(api)));
        processes[name] = api;
        Console.WriteLine($"{name}: {(settings.Length > 0 ? settings : "(no extra settings)")} {string.Join(" ", environment)} {dll}");
    }
    var (_, raw) = await ColdStartAsync(rawDll, raw: true, appConnection, signingKey);
    started.Add(raw);
    targets.Add(("raw", Url(raw)));
    processes["raw"] = raw;
    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    var scenarios = await Scenarios.BuildAsync(http, targets[0].Url, connectionString);
    if (options.Only.Count > 0)
    {
        scenarios = [.. scenarios.Where(s => options.Only.Any(o => s.Name.Contains(o, StringComparison.OrdinalIgnoreCase)))];
    }
    var mismatches = 0;
    foreach (var target in targets.SkipLast(1))
    {
        mismatches += await Identity.CheckAsync(http, scenarios, target.Url, targets[^1].Url);
    }

    foreach (var scenario in scenarios)
    {
        foreach (var (_, baseUrl) in targets)
        {
            await Load.RunAsync(http, baseUrl, scenario.Urls, options.Clients, options.Warmup, record: false);
        }
    }
    var results = scenarios.ToDictionary(s => s.Name, _ => targets.ToDictionary(t => t.Name, _ => new Load.Samples()));
    for (var round = 0; round < options.Rounds; round++)
    {
        foreach (var scenario in scenarios)
        {
            // alternate which goes first, so neither always follows the other's leftovers (autovacuum, caches)
            foreach (var (name, baseUrl) in round % 2 == 0 ? targets : targets.AsEnumerable().Reverse())
            {
                // the app's own CPU time over the round: what a request costs it, whatever else the machine runs
                var process = processes[name];
                process.Refresh();
                var cpuBefore = process.TotalProcessorTime;
                var samples = await Load.RunAsync(http, baseUrl, scenario.Urls, options.Clients, options.Round, record: true);
                process.Refresh();
                samples.Cpu(process.TotalProcessorTime - cpuBefore);
                results[scenario.Name][name].Add(samples);
            }
        }
        Console.WriteLine($"round {round + 1}/{options.Rounds} done");
    }

    Console.WriteLine();
    Console.WriteLine($"{listings:N0} listings, {options.Clients} clients, {options.Rounds} interleaved rounds of {options.Round.TotalSeconds:0.#} s per app and scenario");
    Console.WriteLine("| scenario | app | req/s | p50 | p99 | req/s vs raw | per round vs raw: median (range) | CPU per request | raw's CPU / app's |");
    Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    foreach (var scenario in scenarios)
    {
        var floorSamples = results[scenario.Name]["raw"];
        var floor = floorSamples.Summary();
        foreach (var (name, _) in targets)
        {
            var a = results[scenario.Name][name].Summary();
            var paired = results[scenario.Name][name].PairedRatio(floorSamples);
            var errors = a.Errors > 0 ? $" ({a.Errors} errors)" : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {scenario.Name} | {name} | {a.Rps:0} | {a.P50:0.0} ms | {a.P99:0.0} ms | {(name == "raw" ? "" : $"**{a.Rps / floor.Rps:0.00}x**")} | {(name == "raw" ? "" : $"{paired.Median:0.00}x ({paired.Min:0.00}-{paired.Max:0.00})")} | {a.CpuUs:0} us | {(name == "raw" ? "" : $"{floor.CpuUs / a.CpuUs:0.00}x")} |{errors}"));
        }
    }
    Console.WriteLine(mismatches == 0 ? "JSON: identical bytes for every request" : $"JSON: {mismatches} request(s) answered differently");
    return mismatches == 0 ? 0 : 1;
}
finally
{
    foreach (var process in started)
    {
        ApiProcess.Stop(process);
    }
    NpgsqlConnection.ClearAllPools();
    if (!options.Keep && options.Database is null)
    {
        await Admin(server, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
    }
}

static async Task<bool> Exists(string server, string database)
{
    await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false }.ConnectionString);
    await admin.OpenAsync();
    await using var command = new NpgsqlCommand("SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", admin);
    command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = database });
    return (bool)(await command.ExecuteScalarAsync())!;
}

static string Url(Process p) => (string)p.StartInfo.Environment["RAWFLOOR_URL"]!;

static async Task Admin(string server, string sql)
{
    await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false }.ConnectionString);
    await admin.OpenAsync();
    await using var command = new NpgsqlCommand(sql, admin);
    await command.ExecuteNonQueryAsync();
}

/// <summary>Starts an app (the API's dll or this program in serve mode) and times process start to its first 200 of /health/ready.</summary>
static async Task<(double Ms, Process Process)> ColdStartAsync(string dll, bool raw, string connectionString, string signingKey, List<string>? environment = null)
{
    int port;
    using (var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
    {
        listener.Start();
        port = ((IPEndPoint)listener.LocalEndpoint).Port;
    }
    var url = $"http://127.0.0.1:{port}";
    var start = new ProcessStartInfo("dotnet", raw ? [dll, "serve", "--urls", url] : [dll, "--urls", url])
    {
        WorkingDirectory = Path.GetDirectoryName(dll)!,
        RedirectStandardOutput = true,
        RedirectStandardError = true,
        UseShellExecute = false,
    };
    start.Environment["RAWFLOOR_URL"] = url;
    start.Environment["ConnectionStrings__Marketplace"] = connectionString;
    start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
    start.Environment["Marketplace__Auth__SigningKey"] = signingKey;
    start.Environment["Marketplace__RateLimiting__Enabled"] = "false";
    start.Environment["Marketplace__Database__MigrateOnStartup"] = "false";
    start.Environment["Logging__LogLevel__Default"] = "Warning";
    foreach (var setting in environment ?? [])
    {
        start.Environment[setting.Split('=', 2)[0]] = setting.Split('=', 2)[1];
    }
    using var probe = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(1) }) { BaseAddress = new Uri(url) };
    var clock = Stopwatch.StartNew();
    var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {dll}");
    process.OutputDataReceived += (_, e) => { if (e.Data is not null) { Console.WriteLine($"  {(raw ? "raw" : "api")}: " + e.Data); } };
    process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.WriteLine($"  {(raw ? "raw" : "api")}! " + e.Data); } };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    while (clock.Elapsed < TimeSpan.FromSeconds(90))
    {
        if (process.HasExited)
        {
            throw new InvalidOperationException($"{dll} exited with {process.ExitCode}");
        }
        try
        {
            using var response = await probe.GetAsync("/health/ready");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return (clock.Elapsed.TotalMilliseconds, process);
            }
        }
        catch (HttpRequestException)
        {
        }
        await Task.Delay(5);
    }
    ApiProcess.Stop(process);
    throw new TimeoutException($"{dll} was not ready within 90 s");
}

internal sealed record Options(int Providers, int Listings, int Clients, TimeSpan Warmup, TimeSpan Round, int Rounds, string? Connection,
    int ColdStarts, List<string> ApiDlls, List<(string Name, string Settings)> Variants, bool Keep,
    string? Database, List<(string Name, string Dll)> Targets, List<(string Name, string Setting)> Environment, List<string> Only)
{
    public static Options Parse(string[] args)
    {
        IEnumerable<string> All(string name) => args.Select((a, i) => (a, i)).Where(x => x.a == name && x.i + 1 < args.Length).Select(x => args[x.i + 1]);
        // the last one wins, so run.sh's defaults can be overridden by the arguments after them
        string? Value(string name) => All(name).LastOrDefault();
        double Number(string name, string fallback) => double.Parse(Value(name) ?? fallback, CultureInfo.InvariantCulture);
        return new Options(
            (int)Number("--providers", "5000"), (int)Number("--listings", "200000"), (int)Number("--clients", "16"),
            TimeSpan.FromSeconds(Number("--warmup", "3")), TimeSpan.FromSeconds(Number("--seconds", "3")), (int)Number("--rounds", "4"),
            Value("--connection"), (int)Number("--cold-starts", "0"),
            [.. All("--api-dll").Select(Path.GetFullPath)],
            [.. All("--variant").Select(v => (v.Split('=', 2)[0], v.Split('=', 2).ElementAtOrDefault(1) ?? ""))],
            args.Contains("--keep"),
            Value("--database"),
            [.. All("--target").Select(v => (v.Split('=', 2)[0], Path.GetFullPath(v.Split('=', 2)[1])))],
            [.. All("--env").Select(v => (v.Split('=', 2)[0], v.Split('=', 2)[1]))],
            [.. All("--only")]);
    }

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

internal sealed record Scenario(string Name, string[] Urls);

internal static class Scenarios
{
    private const string Base = "/api/v1/marketplace/listings";

    public static async Task<List<Scenario>> BuildAsync(HttpClient http, string api, string connectionString)
    {
        // page 50 the way a client reaches it: 49 nextCursors
        string? cursor = null;
        for (var page = 1; page < 50; page++)
        {
            var json = JsonDocument.Parse(await http.GetStringAsync($"{api}{Base}?limit=20" + (cursor is null ? "" : $"&cursor={cursor}"))).RootElement;
            cursor = json.GetProperty("nextCursor").GetString() ?? throw new InvalidOperationException("fewer than 50 pages");
        }
        var slugs = new List<string>();
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("""
                SELECT l.slug FROM marketplace.service_listings l JOIN marketplace.providers p ON p.id = l.provider_id
                 WHERE l.status = 'active' AND l.deleted_at IS NULL AND p.status = 'active' AND p.deleted_at IS NULL
                 ORDER BY l.id LIMIT 50
                """, connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                slugs.Add(reader.GetString(0));
            }
        }
        return
        [
            new("default browse (newest, 20)", [$"{Base}?limit=20"]),
            new("category + state", [.. new[] { ("grooming", "TX"), ("training", "CA"), ("boarding", "NY"), ("vet", "FL"), ("photography", "WA") }
                .Select(c => $"{Base}?category={c.Item1}&state={c.Item2}&limit=20")]),
            new("price 50-200 USD, price_asc", [$"{Base}?minPriceCents=5000&maxPriceCents=20000&sort=price_asc&limit=20"]),
            new("full text q=puppy", [$"{Base}?q=puppy&limit=20"]),
            new("page 50 by cursor", [$"{Base}?limit=20&cursor={cursor}"]),
            new("GET /listings/{slug}", [.. slugs.Select(s => $"{Base}/{s}")]),
        ];
    }
}

internal static class Identity
{
    /// <summary>
    /// Each distinct request to both apps, bodies compared byte for byte; a listing's viewCount and
    /// updatedAt are masked, since each view moves them (the API's view counter and its trigger).
    /// </summary>
    public static async Task<int> CheckAsync(HttpClient http, List<Scenario> scenarios, string api, string raw)
    {
        var mismatches = 0;
        foreach (var url in scenarios.SelectMany(s => s.Urls))
        {
            var a = Mask(await http.GetStringAsync(api + url));
            var r = Mask(await http.GetStringAsync(raw + url));
            if (a != r)
            {
                mismatches++;
                var at = Enumerable.Range(0, Math.Min(a.Length, r.Length)).FirstOrDefault(i => a[i] != r[i]);
                Console.WriteLine($"JSON differs for {url} at {at}:\n  api {a[Math.Max(0, at - 80)..Math.Min(a.Length, at + 80)]}\n  raw {r[Math.Max(0, at - 80)..Math.Min(r.Length, at + 80)]}");
            }
        }
        return mismatches;
    }

    private static string Mask(string json) => json.Contains("\"items\"", StringComparison.Ordinal)
        ? json
        : Regex.Replace(json, "\"(viewCount|updatedAt)\":(\\d+|\"[^\"]*\")", "\"$1\":_");
}

internal static class Load
{
    public sealed class Samples
    {
        private readonly List<double> latencies = [];
        private readonly List<double> rounds = [];
        private double seconds;
        private int errors;

        private TimeSpan cpu;

        public void Add(Samples other)
        {
            latencies.AddRange(other.latencies);
            rounds.Add(other.latencies.Count / other.seconds);
            seconds += other.seconds;
            errors += other.errors;
            cpu += other.cpu;
        }

        public void Cpu(TimeSpan used) => cpu = used;

        public void Record(double ms, bool ok)
        {
            lock (latencies)
            {
                latencies.Add(ms);
                errors += ok ? 0 : 1;
            }
        }

        public void Took(double s) => seconds = s;

        /// <summary>
        /// This app's req/s over <paramref name="floor"/>'s, round by round (each pair ran back to back, under
        /// the same load from whatever else shares the machine): the median and the range.
        /// </summary>
        public (double Median, double Min, double Max) PairedRatio(Samples floor)
        {
            var ratios = rounds.Zip(floor.rounds, (app, raw) => app / raw).Order().ToArray();
            return ratios.Length == 0 ? (double.NaN, double.NaN, double.NaN)
                : ((ratios[(ratios.Length - 1) / 2] + ratios[ratios.Length / 2]) / 2, ratios[0], ratios[^1]);
        }

        public (double Rps, double P50, double P99, int Errors, double CpuUs) Summary()
        {
            var sorted = latencies.Order().ToArray();
            double At(double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
            return (sorted.Length / seconds, At(0.50), At(0.99), errors, cpu.TotalMicroseconds / Math.Max(1, sorted.Length));
        }
    }

    /// <summary>Closed loop: each client sends its next request when the previous one answered; bounded by time.</summary>
    public static async Task<Samples> RunAsync(HttpClient http, string baseUrl, string[] urls, int clients, TimeSpan length, bool record)
    {
        var samples = new Samples();
        var begun = Stopwatch.GetTimestamp();
        var until = begun + (long)(length.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            var i = client;
            var buffer = new byte[64 * 1024];
            while (Stopwatch.GetTimestamp() < until)
            {
                var url = baseUrl + urls[i++ % urls.Length];
                var sent = Stopwatch.GetTimestamp();
                var ok = false;
                try
                {
                    using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
                    await using var body = await response.Content.ReadAsStreamAsync();
                    while (await body.ReadAsync(buffer) > 0)
                    {
                    }
                    ok = response.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                }
                if (record)
                {
                    samples.Record(Stopwatch.GetElapsedTime(sent).TotalMilliseconds, ok);
                }
            }
        })));
        samples.Took(Stopwatch.GetElapsedTime(begun).TotalSeconds);
        return samples;
    }
}
