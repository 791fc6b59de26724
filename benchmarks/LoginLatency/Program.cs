using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;

// Login latency of the real API: starts Marketplace.Api as a child process (Release) over a fresh
// database, registers one user and times N sequential logins after a warm-up. See README.md.

var logins = IntArg("--logins", 200);
var warmup = IntArg("--warmup", 20);
var server = Environment.GetEnvironmentVariable("ConnectionStrings__Marketplace")
    ?? "Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres";
var root = RepositoryRoot();
var database = $"marketplace_bench_{DateTime.UtcNow:yyyyMMddHHmmss}_{Guid.NewGuid():N}"[..50];
var port = FreePort();
var baseUrl = $"http://127.0.0.1:{port}";
var dataDirectory = Path.Combine(Path.GetTempPath(), database);

await ExecuteAsync(server, $"CREATE DATABASE \"{database}\"");
Process? api = null;
try
{
    api = StartApi(root, new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString, baseUrl, dataDirectory);
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
}
finally
{
    if (api is { HasExited: false })
    {
        api.Kill(entireProcessTree: true);
        await api.WaitForExitAsync();
    }
    NpgsqlConnection.ClearAllPools();
    await ExecuteAsync(server, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
    if (Directory.Exists(dataDirectory))
    {
        Directory.Delete(dataDirectory, recursive: true);
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

static Process StartApi(string root, string connectionString, string baseUrl, string dataDirectory)
{
    var start = new ProcessStartInfo("dotnet", ["run", "-c", "Release", "--project", Path.Combine(root, "Marketplace.Api"), "--urls", baseUrl])
    {
        WorkingDirectory = root,
        RedirectStandardOutput = true,
        RedirectStandardError = true,
    };
    start.Environment["ConnectionStrings__Marketplace"] = connectionString;
    start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
    start.Environment["Marketplace__Database__MigrateOnStartup"] = "true";
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

int IntArg(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;
}
