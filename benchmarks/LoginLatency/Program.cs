using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;

// Login latency of the real API: starts Marketplace.Api as a child process (Release) over a fresh
// database, registers one user and times N sequential logins after a warm-up; then browse latency
// during a burst of concurrent logins, with the password-hashing limit off and on, interleaved in
// the same run (a second API process over the same database). See README.md.

var logins = IntArg("--logins", 200);
var warmup = IntArg("--warmup", 20);
var burstSeconds = IntArg("--burst-seconds", 4, allowZero: true);
var burstClients = IntArg("--burst-clients", 32);
var rounds = IntArg("--rounds", 2);
var server = Environment.GetEnvironmentVariable("ConnectionStrings__Marketplace")
    ?? "Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres";
var root = RepositoryRoot();
var database = $"marketplace_bench_{DateTime.UtcNow:yyyyMMddHHmmss}_{Guid.NewGuid():N}"[..50];
var port = FreePort();
var baseUrl = $"http://127.0.0.1:{port}";
var dataDirectory = Path.Combine(Path.GetTempPath(), database);

await ExecuteAsync(server, $"CREATE DATABASE \"{database}\"");
var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
Process? api = null;
Process? unlimitedApi = null;
try
{
    api = StartApi(root, connectionString, baseUrl, dataDirectory, migrate: true);
    using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
    await WaitUntilReadyAsync(http, api);

    const string password = "benchmark-password-123";
    var email = $"bench.{Guid.NewGuid():N}@example.test";
    var register = await http.PostAsJsonAsync("/api/v1/marketplace/auth/register", new { email, password });
    if (register.StatusCode != HttpStatusCode.Created)
    {
        throw new InvalidOperationException($"register answered {(int)register.StatusCode}: {await register.Content.ReadAsStringAsync()}");
    }

    for (var i = 0; i < warmup; i++)
    {
        await LoginAsync(http, email, password, HttpStatusCode.OK);
    }
    var ok = new List<double>(logins);
    for (var i = 0; i < logins; i++)
    {
        ok.Add(await LoginAsync(http, email, password, HttpStatusCode.OK));
    }
    // an unknown e-mail pays for a dummy hash check: it should cost about the same
    var unknown = new List<double>();
    for (var i = 0; i < Math.Max(20, logins / 4); i++)
    {
        unknown.Add(await LoginAsync(http, $"nobody.{Guid.NewGuid():N}@example.test", password, HttpStatusCode.Unauthorized));
    }

    Console.WriteLine($"POST /api/v1/marketplace/auth/login, {logins} sequential requests after {warmup} warm-up, Release build, {Environment.ProcessorCount} CPUs");
    Print("successful login", ok);
    Print("unknown e-mail (401)", unknown);

    if (burstSeconds > 0)
    {
        // the same build and database, hashing unbounded as before the limit (started after the first: it migrated)
        var unlimitedUrl = $"http://127.0.0.1:{FreePort()}";
        unlimitedApi = StartApi(root, connectionString, unlimitedUrl, dataDirectory + "-off", migrate: false,
            extra: new() { ["Marketplace__Passwords__LimitConcurrency"] = "false" });
        using var unlimitedHttp = new HttpClient { BaseAddress = new Uri(unlimitedUrl), Timeout = TimeSpan.FromSeconds(60) };
        await WaitUntilReadyAsync(unlimitedHttp, unlimitedApi);
        await SeedListingsAsync(connectionString, 2000);
        await BurstComparison.RunAsync(
            [("limit off", unlimitedHttp), ("limit on", new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(60) })],
            email, password, burstClients, TimeSpan.FromSeconds(burstSeconds), rounds);
    }
}
finally
{
    if (unlimitedApi is { HasExited: false })
    {
        unlimitedApi.Kill(entireProcessTree: true);
        await unlimitedApi.WaitForExitAsync();
    }
    if (api is { HasExited: false })
    {
        api.Kill(entireProcessTree: true);
        await api.WaitForExitAsync();
    }
    NpgsqlConnection.ClearAllPools();
    await ExecuteAsync(server, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
    foreach (var folder in new[] { dataDirectory, dataDirectory + "-off" })
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

static async Task<double> LoginAsync(HttpClient http, string email, string password, HttpStatusCode expected)
{
    var started = Stopwatch.GetTimestamp();
    using var response = await http.PostAsJsonAsync("/api/v1/marketplace/auth/login", new { email, password });
    await response.Content.ReadAsByteArrayAsync();
    var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    if (response.StatusCode != expected)
    {
        throw new InvalidOperationException($"login answered {(int)response.StatusCode}, expected {(int)expected}");
    }
    return elapsed;
}

static void Print(string what, List<double> samples)
{
    var sorted = samples.Order().ToArray();
    double Percentile(double p) => sorted[Math.Max(0, (int)Math.Ceiling(p / 100 * sorted.Length) - 1)];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{what,-22} n={sorted.Length,4}  median {Percentile(50),7:0.0} ms  p90 {Percentile(90),7:0.0} ms  p99 {Percentile(99),7:0.0} ms  min {sorted[0],7:0.0} ms  max {sorted[^1],7:0.0} ms"));
}

static Process StartApi(string root, string connectionString, string baseUrl, string dataDirectory, bool migrate, Dictionary<string, string>? extra = null)
{
    var start = new ProcessStartInfo("dotnet", ["run", "-c", "Release", "--project", Path.Combine(root, "Marketplace.Api"), "--urls", baseUrl])
    {
        WorkingDirectory = root,
        RedirectStandardOutput = true,
        RedirectStandardError = true,
    };
    start.Environment["ConnectionStrings__Marketplace"] = connectionString;
    start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
    start.Environment["Marketplace__Database__MigrateOnStartup"] = migrate ? "true" : "false";
    foreach (var (key, value) in extra ?? [])
    {
        start.Environment[key] = value;
    }
    start.Environment["Marketplace__RateLimiting__Enabled"] = "false";
    start.Environment["Marketplace__Auth__SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
    start.Environment["Marketplace__DataDirectory"] = dataDirectory;
    // the per-request log line goes to the console; keep it out of the measurement
    start.Environment["Logging__LogLevel__Default"] = "Warning";
    start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
    var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet run");
    process.OutputDataReceived += (_, e) => { };
    process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"api: {e.Data}"); };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    return process;
}

static async Task WaitUntilReadyAsync(HttpClient http, Process api)
{
    var deadline = DateTime.UtcNow.AddMinutes(5); // dotnet run builds first
    while (DateTime.UtcNow < deadline)
    {
        if (api.HasExited)
        {
            throw new InvalidOperationException($"the API exited with code {api.ExitCode} before it was ready");
        }
        try
        {
            using var response = await http.GetAsync("/health/ready");
            if (response.IsSuccessStatusCode)
            {
                return;
            }
        }
        catch (HttpRequestException)
        {
            // not listening yet
        }
        await Task.Delay(500);
    }
    throw new TimeoutException("the API was not ready within 5 minutes");
}

// active listings of active providers, so that browse reads real rows
static async Task SeedListingsAsync(string connectionString, int count)
{
    var providers = Math.Max(1, count / 100);
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand($$"""
        WITH owners AS (
            INSERT INTO marketplace.users (email, password_hash, user_type, status, created_at, updated_at)
            SELECT 'seed.' || g || '.' || md5(random()::text) || '@example.test', 'x', 'provider', 'active', now(), now()
            FROM generate_series(1, {{providers}}) g
            RETURNING id),
        providers AS (
            INSERT INTO marketplace.providers (user_id, provider_type, business_name, city, state, country, payment_mode, status, activated_at, created_at, updated_at)
            SELECT id, 'service_provider', 'Seed provider ' || id, 'Austin', 'TX', 'US', 'offline', 'active', now(), now(), now() FROM owners
            RETURNING id)
        INSERT INTO marketplace.service_listings (provider_id, slug, title, description, category, price_type, price_cents, city, state, zip, status, published_at, created_at, updated_at)
        SELECT p.id, 'seed-' || p.id || '-' || g, 'Dog grooming ' || g, 'A seeded listing.', 'grooming', 'fixed', 1000 + g, 'Austin', 'TX', '78701',
               'active', now() - g * interval '1 minute', now(), now()
        FROM providers p, generate_series(1, {{count / providers}}) g
        """, connection);
    await command.ExecuteNonQueryAsync();
}

static async Task ExecuteAsync(string connectionString, string sql)
{
    await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false }.ConnectionString);
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

int IntArg(string name, int fallback, bool allowZero = false)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], CultureInfo.InvariantCulture, out var value) && (value > 0 || (allowZero && value == 0)) ? value : fallback;
}
