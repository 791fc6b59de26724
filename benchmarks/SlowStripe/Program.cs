// Stripe answering after --stripe-delay seconds while --pays concurrent POST /invoices/{id}/pay wait
// on it: does the rest of the API (GET /listings) keep answering, and what do the pays answer?
// Reports GET /listings p50/p99 unloaded and loaded, every status code, and the most database
// connections the benchmark's database had open meanwhile.
// GET /listings is read from 1 s after the pays start until they have all answered (at most --seconds).
// Usage: dotnet run -c Release --project benchmarks/SlowStripe -- [--pays 110] [--stripe-delay 25] [--readers 4] [--seconds 20] [--listings 200] [--keep]
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Marketplace.Migrations;
using Npgsql;

var options = Options.Parse(args);
var repo = Options.FindRepoRoot();
var serverCs = Environment.GetEnvironmentVariable("ConnectionStrings__Marketplace") ?? "Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres";
var dbName = $"marketplace_slowstripe_{DateTime.UtcNow:yyyyMMddHHmmss}";
var cs = new NpgsqlConnectionStringBuilder(serverCs) { Database = dbName }.ConnectionString;

Console.WriteLine($"database {dbName}: creating and migrating");
await Sql.ExecAsync(new NpgsqlConnectionStringBuilder(serverCs) { Database = "postgres" }.ConnectionString, $"CREATE DATABASE \"{dbName}\"");
MarketplaceMigrator.MigrateUp(cs);

await using var stripe = await SlowStripeStub.StartAsync(TimeSpan.FromSeconds(options.StripeDelaySeconds));
Process? api = null;
var exitCode = 1;
try
{
    var port = Options.FreePort();
    api = Api.Start(repo, cs, stripe.BaseUrl, port);
    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1000 })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{port}"),
        Timeout = TimeSpan.FromSeconds(180),
    };
    await ApiProcess.WaitLiveAsync(http, api);

    var token = await Seed.RunAsync(http, cs, options);
    Console.WriteLine($"seeded {options.Listings} active listings and {options.Pays} invoices of one client, payable through Stripe");

    // warm-up: the listing query and the pay path compiled and JIT-ed before anything is measured
    await Readers.RunAsync(http, options.Readers, TimeSpan.FromSeconds(3));
    stripe.Delay = TimeSpan.Zero;
    await Pays.PayOneAsync(http, token, await Seed.WarmupInvoiceAsync(cs));
    stripe.Delay = TimeSpan.FromSeconds(options.StripeDelaySeconds);

    var unloaded = await Readers.RunAsync(http, options.Readers, TimeSpan.FromSeconds(options.Seconds / 2.0));
    Console.WriteLine($"GET /listings unloaded: {unloaded.Describe()}");

    var invoices = await Seed.InvoicesAsync(cs);
    var paysStarted = Stopwatch.StartNew();
    var pays = invoices.Select(id => Pays.PayOneAsync(http, token, id)).ToList();
    await Task.Delay(TimeSpan.FromSeconds(1)); // every pay is in flight (waiting on Stripe or refused)
    using var sampling = new CancellationTokenSource();
    var connections = Sql.SampleConnectionsAsync(serverCs, dbName, sampling.Token);
    var allPays = Task.WhenAll(pays);
    var loaded = await Readers.RunAsync(http, options.Readers, TimeSpan.FromSeconds(options.Seconds), allPays); // while pays wait
    var payResults = await allPays;
    var paysElapsed = paysStarted.Elapsed;
    await sampling.CancelAsync();
    var maxConnections = await connections;

    Console.WriteLine($"GET /listings with {options.Pays} pays waiting on a Stripe that answers in {options.StripeDelaySeconds} s: {loaded.Describe()}");
    Console.WriteLine($"pays: {string.Join(", ", payResults.GroupBy(p => p.Status).OrderBy(g => g.Key).Select(g => $"{g.Key} x{g.Count()} (p50 {Percentile(g.Select(p => p.Ms), 50):0} ms, max {g.Max(p => p.Ms):0} ms)"))}; "
        + $"codes {string.Join(", ", payResults.GroupBy(p => p.Code).OrderBy(g => g.Key).Select(g => $"{g.Key} x{g.Count()}"))}; all answered in {paysElapsed.TotalSeconds:0.0} s");
    Console.WriteLine($"Stripe stand-in: {stripe.Received} requests, at most {stripe.MaxInFlight} in flight at once");
    Console.WriteLine($"database connections of {dbName} (pg_stat_activity, sampled every 100 ms while loaded): at most {maxConnections}");

    var listings500 = loaded.Statuses.Where(s => s.Key >= 500).Sum(s => s.Value) + unloaded.Statuses.Where(s => s.Key >= 500).Sum(s => s.Value);
    var pays500 = payResults.Count(p => p.Status >= 500 && p.Status is not (502 or 503 or 504));
    var p99Ratio = loaded.P(99) / Math.Max(unloaded.P(99), 1e-9);
    Console.WriteLine($"loaded/unloaded p99: {p99Ratio:0.00}x; GET /listings >= 500: {listings500}; pays >= 500 other than 502/503/504: {pays500}");
    exitCode = p99Ratio <= 2 && listings500 == 0 && pays500 == 0 ? 0 : 1;
    Console.WriteLine(exitCode == 0
        ? "RESULT: PASS (GET /listings p99 within 2x of unloaded, no 5xx but the pays' 502/503/504)"
        : "RESULT: FAIL");
}
finally
{
    ApiProcess.Stop(api);
    if (Directory.Exists(Api.DataDirectory))
    {
        Directory.Delete(Api.DataDirectory, recursive: true);
    }
    if (!options.Keep)
    {
        NpgsqlConnection.ClearAllPools();
        await Sql.ExecAsync(new NpgsqlConnectionStringBuilder(serverCs) { Database = "postgres" }.ConnectionString, $"DROP DATABASE IF EXISTS \"{dbName}\" WITH (FORCE)");
    }
    else
    {
        Console.WriteLine($"kept database {dbName}");
    }
}
return exitCode;

static double Percentile(IEnumerable<double> values, double p)
{
    var sorted = values.OrderBy(v => v).ToList();
    return sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}

internal sealed record Options(int Pays, int StripeDelaySeconds, int Readers, int Seconds, int Listings, bool Keep)
{
    public static Options Parse(string[] args)
    {
        int Int(string name, int fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        return new Options(Int("--pays", 110), Int("--stripe-delay", 25), Int("--readers", 4), Int("--seconds", 20), Int("--listings", 200), args.Contains("--keep"));
    }

    public static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Marketplace.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("run from inside the repository");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}

internal static class Sql
{
    public static async Task ExecAsync(string cs, string sql)
    {
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 300 };
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<List<long>> LongsAsync(string cs, string sql)
    {
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 300 };
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<long>();
        while (await reader.ReadAsync())
        {
            values.Add(Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture));
        }
        return values;
    }

    /// <summary>The most connections open to the database at once, sampled from another database until cancelled.</summary>
    public static async Task<long> SampleConnectionsAsync(string serverCs, string database, CancellationToken ct)
    {
        var admin = new NpgsqlConnectionStringBuilder(serverCs) { Database = "postgres", Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync(CancellationToken.None);
        long max = 0;
        while (!ct.IsCancellationRequested)
        {
            await using (var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = $1", connection))
            {
                command.Parameters.Add(new NpgsqlParameter { Value = database });
                max = Math.Max(max, (long)(await command.ExecuteScalarAsync(CancellationToken.None))!);
            }
            try
            {
                await Task.Delay(100, ct);
            }
            catch (OperationCanceledException)
            {
            }
        }
        return max;
    }
}

internal static class Seed
{
    private const string Password = "slow-stripe-benchmark-password-1";

    /// <summary>
    /// One client (registered through the API, so its token and password hash are real) with
    /// --pays + 1 invoices of one active Stripe Connect provider, and --listings active listings.
    /// The client has a Stripe customer already, so paying makes exactly one Stripe call: the session.
    /// </summary>
    public static async Task<string> RunAsync(HttpClient http, string cs, Options o)
    {
        var email = $"slow-stripe-{Guid.NewGuid():N}@example.test";
        var register = await http.PostAsJsonAsync("/api/v1/marketplace/auth/register", new { email, password = Password, firstName = "Bench", lastName = "Client" });
        if (!register.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"register answered {(int)register.StatusCode}: {await register.Content.ReadAsStringAsync()}");
        }
        var token = (await register.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
        await Sql.ExecAsync(cs, $"""
            UPDATE marketplace.users SET email_verified = true, stripe_customer_id = 'cus_bench_client' WHERE email = '{email}';
            INSERT INTO marketplace.users (email, password_hash, email_verified, user_type)
            VALUES ('slow-stripe-provider@example.test', 'x', true, 'provider');
            INSERT INTO marketplace.providers (user_id, provider_type, business_name, stripe_connect_account_id, stripe_connect_onboarding_complete,
                stripe_connect_payouts_enabled, stripe_connect_details_submitted, payment_mode, status, activated_at)
            SELECT id, 'service_provider', 'Slow Stripe grooming', 'acct_bench_slow', true, true, true, 'stripe_connect', 'active', now()
              FROM marketplace.users WHERE email = 'slow-stripe-provider@example.test';
            INSERT INTO marketplace.service_listings (provider_id, slug, title, description, category, price_cents, price_type, city, state, status, published_at)
            SELECT p.id, 'bench-grooming-' || g, 'Bench grooming ' || g, 'A full groom, bath and nail trim for dogs of every size.',
                   (ARRAY['grooming','training','boarding','vet','transport','photography'])[1 + g % 6], 2000 + g * 10, 'fixed', 'Austin', 'TX', 'active', now() - g * interval '1 minute'
              FROM marketplace.providers p, generate_series(1, {o.Listings}) g;
            UPDATE marketplace.providers SET total_listings = {o.Listings}, active_listings = {o.Listings};
            INSERT INTO marketplace.transactions (client_id, provider_id, service_description, service_price_cents, platform_fee_cents,
                total_cents, provider_payout_cents, status, created_at, invoiced_at)
            SELECT u.id, p.id, 'Bench booking ' || g, 5000, 500, 5000, 4500, 'invoiced', now(), now()
              FROM marketplace.users u, marketplace.providers p, generate_series(1, {o.Pays + 1}) g
             WHERE u.email = '{email}';
            INSERT INTO marketplace.invoices (transaction_id, provider_id, client_id, invoice_number, subtotal_cents, total_cents, balance_cents,
                status, payment_method, issued_at, sent_at)
            SELECT id, provider_id, client_id, 'MP-SLOW-' || lpad(id::text, 8, '0'), total_cents, total_cents, total_cents, 'sent', 'stripe', now(), now()
              FROM marketplace.transactions;
            UPDATE marketplace.transactions t SET invoice_id = i.id FROM marketplace.invoices i WHERE i.transaction_id = t.id;
            UPDATE marketplace.providers SET total_transactions = {o.Pays + 1};
            """);
        return token;
    }

    public static async Task<long> WarmupInvoiceAsync(string cs) => (await Sql.LongsAsync(cs, "SELECT min(id) FROM marketplace.invoices"))[0];

    public static async Task<List<long>> InvoicesAsync(string cs) =>
        await Sql.LongsAsync(cs, "SELECT id FROM marketplace.invoices WHERE stripe_checkout_session_id IS NULL ORDER BY id");
}

internal sealed record PayResult(int Status, string Code, double Ms);

internal static class Pays
{
    public static async Task<PayResult> PayOneAsync(HttpClient http, string token, long invoiceId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/marketplace/invoices/{invoiceId}/pay");
        request.Headers.Authorization = new("Bearer", token);
        var started = Stopwatch.GetTimestamp();
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var code = "-";
        if ((int)response.StatusCode >= 400)
        {
            try
            {
                code = JsonDocument.Parse(body).RootElement.TryGetProperty("code", out var c) ? c.GetString() ?? "-" : "-";
            }
            catch (JsonException)
            {
                code = "(not json)";
            }
            if (response.Headers.RetryAfter is null && (int)response.StatusCode is 503 or 504)
            {
                code += " (no Retry-After)";
            }
        }
        return new PayResult((int)response.StatusCode, code, ms);
    }
}

internal sealed record ReadResult(List<double> LatenciesMs, Dictionary<int, int> Statuses)
{
    public double P(double p)
    {
        var sorted = LatenciesMs.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    public string Describe() =>
        $"{LatenciesMs.Count} requests, p50 {P(50):0.0} ms, p99 {P(99):0.0} ms, max {P(100):0.0} ms; statuses {string.Join(", ", Statuses.OrderBy(s => s.Key).Select(s => $"{s.Key} x{s.Value}"))}";
}

/// <summary>Closed-loop readers of GET /listings: each sends its next request when the last one answered, for the duration or until <c>until</c> completes.</summary>
internal static class Readers
{
    public static async Task<ReadResult> RunAsync(HttpClient http, int readers, TimeSpan duration, Task? until = null)
    {
        var latencies = new ConcurrentBag<double>();
        var statuses = new ConcurrentDictionary<int, int>();
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, readers).Select(async r =>
        {
            var page = 0;
            while (Stopwatch.GetTimestamp() < deadline && until is not { IsCompleted: true })
            {
                var started = Stopwatch.GetTimestamp();
                int status;
                try
                {
                    using var response = await http.GetAsync($"/api/v1/marketplace/listings?limit=20&category={(page++ % 2 == 0 ? "grooming" : "vet")}");
                    await response.Content.ReadAsByteArrayAsync();
                    status = (int)response.StatusCode;
                }
                catch (HttpRequestException)
                {
                    status = 0;
                }
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            }
        }));
        return new ReadResult([.. latencies], new Dictionary<int, int>(statuses));
    }
}

/// <summary>
/// A Stripe that answers POST /v1/checkout/sessions (and anything else) after <see cref="Delay"/>;
/// a request the API gives up on (its own timeout) ends the wait.
/// </summary>
internal sealed class SlowStripeStub : IAsyncDisposable
{
    private readonly WebApplication app;
    private int inFlight;
    private int maxInFlight;
    private int received;

    private SlowStripeStub(WebApplication app, string baseUrl, TimeSpan delay)
    {
        this.app = app;
        BaseUrl = baseUrl;
        Delay = delay;
    }

    public string BaseUrl { get; }

    public TimeSpan Delay { get; set; }

    public int MaxInFlight => maxInFlight;

    public int Received => received;

    public static async Task<SlowStripeStub> StartAsync(TimeSpan delay)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var port = Options.FreePort();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxConcurrentConnections = null);
        var web = builder.Build();
        var stub = new SlowStripeStub(web, $"http://127.0.0.1:{port}", delay);
        web.Use(async (http, next) =>
        {
            Interlocked.Increment(ref stub.received);
            var now = Interlocked.Increment(ref stub.inFlight);
            InterlockedMax(ref stub.maxInFlight, now);
            try
            {
                await Task.Delay(stub.Delay, http.RequestAborted);
                await next(http);
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                Interlocked.Decrement(ref stub.inFlight);
            }
        });
        web.MapPost("/v1/checkout/sessions", () =>
        {
            var id = $"cs_bench_{Guid.NewGuid():N}";
            var expires = DateTimeOffset.UtcNow.AddHours(24).ToUnixTimeSeconds();
            return Results.Json(new
            {
                id,
                @object = "checkout.session",
                mode = "payment",
                status = "open",
                payment_status = "unpaid",
                url = $"https://checkout.stripe.com/c/pay/{id}",
                expires_at = expires,
                created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                livemode = false,
            });
        });
        await web.StartAsync();
        return stub;
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}

internal static class Api
{
    /// <summary>The API's data folder (no SMTP server: mails become .eml files there); deleted at the end.</summary>
    public static readonly string DataDirectory = Path.Combine(Path.GetTempPath(), $"marketplace-slowstripe-{Environment.ProcessId}");

    /// <summary>The API as an operator runs it: Npgsql's default pool (100 connections, 15 s wait) and the default Stripe settings.</summary>
    public static Process Start(string repo, string cs, string stripeBase, int port)
    {
        Console.WriteLine("building the API (Release)");
        var build = Process.Start(new ProcessStartInfo("dotnet", "build Marketplace.Api -c Release -v q -nologo") { WorkingDirectory = repo })!;
        build.WaitForExit();
        if (build.ExitCode != 0)
        {
            throw new InvalidOperationException("the API does not build");
        }
        var start = new ProcessStartInfo("dotnet", $"run -c Release --no-build --project Marketplace.Api --urls http://127.0.0.1:{port}")
        {
            WorkingDirectory = repo,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ConnectionStrings__Marketplace"] = cs;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Marketplace__Auth__SigningKey"] = "benchmark-signing-key-of-at-least-32-bytes!";
        start.Environment["Marketplace__Stripe__SecretKey"] = "sk_test_benchmark";
        start.Environment["Marketplace__Stripe__WebhookSecret"] = "whsec_bench_platform_0123456789";
        start.Environment["Marketplace__Stripe__ApiBase"] = stripeBase;
        start.Environment["Marketplace__RateLimiting__Enabled"] = "false";
        start.Environment["Marketplace__DataDirectory"] = DataDirectory;
        start.Environment["Logging__LogLevel__Default"] = "Error";
        var process = Process.Start(start)!;
        var shown = 0;
        void Show(string? line)
        {
            // the old code logs a stack per exhausted pool: a few lines tell the story
            if (line is { Length: > 0 } && line.Contains("exhausted", StringComparison.OrdinalIgnoreCase) && Interlocked.Increment(ref shown) <= 3)
            {
                Console.WriteLine("api: " + line.Trim());
            }
        }
        process.OutputDataReceived += (_, e) => Show(e.Data);
        process.ErrorDataReceived += (_, e) => Show(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Console.WriteLine($"API started (pid {process.Id}) on port {port}");
        return process;
    }
}
