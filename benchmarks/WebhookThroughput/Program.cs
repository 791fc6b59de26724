// Replays signed Stripe webhook events (new ones and duplicates, shuffled, so refunds often come
// before their payment) at the API with concurrent senders, reports events/second and latency
// percentiles, then checks from the database that no effect was applied twice.
// Usage: dotnet run -c Release --project benchmarks/WebhookThroughput -- [--payments N] [--warmup N] [--senders N] [--duplicate-percent N] [--ignored N] [--keep]
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Marketplace.Migrations;
using Npgsql;

var options = Options.Parse(args);
var repo = Options.FindRepoRoot();
var serverCs = Environment.GetEnvironmentVariable("ConnectionStrings__Marketplace") ?? "Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres";
var dbName = $"marketplace_bench_{DateTime.UtcNow:yyyyMMddHHmmss}";
var cs = new NpgsqlConnectionStringBuilder(serverCs) { Database = dbName, Pooling = true }.ConnectionString;

Console.WriteLine($"database {dbName}: creating and migrating");
await Sql.ExecAsync(new NpgsqlConnectionStringBuilder(serverCs) { Database = "postgres" }.ConnectionString, $"CREATE DATABASE \"{dbName}\"");
MarketplaceMigrator.MigrateUp(cs);

Console.WriteLine($"seeding {options.Payments} + {options.Warmup} (warm-up) invoiced bookings, {options.Providers} providers");
var seed = await Seed.RunAsync(cs, options);

await using var stripe = await StripeStub.StartAsync();
Process? api = null;
var exitCode = 1;
try
{
    var port = Options.FreePort();
    api = Api.Start(repo, cs, stripe.BaseUrl, port);
    var baseUrl = $"http://127.0.0.1:{port}";
    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Senders * 2, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
    {
        BaseAddress = new Uri(baseUrl),
        Timeout = TimeSpan.FromSeconds(60),
    };
    await ApiProcess.WaitLiveAsync(http, api);

    // the warm-up replays the same mix on bookings of its own, so the run measures a JIT-compiled, steady API
    var warmupEvents = Events.Build(repo, seed.Bookings[..options.Warmup], [], options.Warmup / 4, "w");
    var events = Events.Build(repo, seed.Bookings[options.Warmup..], seed.Providers, options.Ignored, "");
    var warmupDeliveries = Events.WithDuplicates(warmupEvents, options);
    var deliveries = Events.WithDuplicates(events, options);
    Console.WriteLine($"warm-up: {warmupEvents.Count} distinct events, {warmupDeliveries.Count} deliveries");
    var warmup = await Replay.RunAsync(http, warmupDeliveries, options.Senders);
    Console.WriteLine($"warm-up: {warmup.EventsPerSecond:0} events/s");
    Console.WriteLine($"events: {events.Count} distinct, {deliveries.Count} deliveries ({deliveries.Count - events.Count} duplicates), {options.Senders} senders");

    var apiCpuBefore = Cpu.Seconds(Cpu.WithDescendants(api.Id));
    var dbCpuBefore = (await Cpu.BackendsAsync(cs, dbName)).ToDictionary(pid => pid, pid => Cpu.Seconds([pid]));
    var loadBefore = Cpu.LoadAverage();
    var result = await Replay.RunAsync(http, deliveries, options.Senders);
    var apiCpu = Cpu.Seconds(Cpu.WithDescendants(api.Id)) - apiCpuBefore;
    // backends opened during the run count in full
    var dbCpu = (await Cpu.BackendsAsync(cs, dbName)).Sum(pid => Cpu.Seconds([pid]) - dbCpuBefore.GetValueOrDefault(pid));
    Console.WriteLine();
    Console.WriteLine($"throughput: {result.EventsPerSecond:0} events/s ({deliveries.Count} deliveries in {result.Elapsed.TotalSeconds:0.00} s)");
    Console.WriteLine($"latency: p50 {result.P(50):0.0} ms, p99 {result.P(99):0.0} ms, max {result.P(100):0.0} ms; over 200 ms: "
        + $"{result.LatenciesMs.Count(l => l > 200)} deliveries, slowest {string.Join(", ", result.Slowest.Select(s => $"{s.EventId} at {s.AtSeconds:0.0} s: {s.Ms:0} ms"))}");
    Console.WriteLine($"cpu per delivery: API {apiCpu * 1000 / deliveries.Count:0.00} ms, PostgreSQL backends {dbCpu * 1000 / deliveries.Count:0.00} ms "
        + $"(machine: {Environment.ProcessorCount} cores, load average before the run {loadBefore})");
    Console.WriteLine($"responses: {string.Join(", ", result.Statuses.OrderBy(s => s.Key).Select(s => $"{s.Key} x{s.Value}"))}; duplicates answered: {result.Duplicates}");

    var verified = await Verify.RunAsync(cs, seed, warmupEvents.Count + events.Count, [warmup, result]);
    exitCode = verified && warmup.Statuses.Keys.Concat(result.Statuses.Keys).All(k => k == 200) ? 0 : 1;
    Console.WriteLine(exitCode == 0 ? "RESULT: PASS (no effect applied twice)" : "RESULT: FAIL");
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

internal sealed record Options(int Payments, int Warmup, int Providers, int Senders, double DuplicateShare, bool Keep, int Ignored)
{
    public const string WebhookSecret = "whsec_bench_platform_0123456789";
    public const string ConnectWebhookSecret = "whsec_bench_connect_0123456789";

    public static Options Parse(string[] args)
    {
        int Int(string name, int fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var payments = Int("--payments", 12000);
        return new Options(payments, Int("--warmup", 30000) / 2 * 2, Int("--providers", 50), Int("--senders", 16), Int("--duplicate-percent", 25) / 100.0, args.Contains("--keep"),
            Int("--ignored", payments / 4));
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

    public static async Task<List<object[]>> RowsAsync(string cs, string sql)
    {
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 300 };
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object[]>();
        while (await reader.ReadAsync())
        {
            var row = new object[reader.FieldCount];
            reader.GetValues(row);
            rows.Add(row);
        }
        return rows;
    }

    public static async Task<long> ScalarAsync(string cs, string sql) => Convert.ToInt64((await RowsAsync(cs, sql))[0][0], CultureInfo.InvariantCulture);
}

/// <summary>What was seeded: invoiced bookings (one invoice each) and providers with Connect accounts.</summary>
internal sealed record Booking(long TransactionId, int InvoiceId, long TotalCents, long FeeCents, string Account);

internal sealed record SeedData(List<Booking> Bookings, List<(int Id, string Account, bool Pending)> Providers);

internal static class Seed
{
    public static async Task<SeedData> RunAsync(string cs, Options o)
    {
        // prices are multiples of 10, so the 10 % fee is exact
        await Sql.ExecAsync(cs, $"""
            INSERT INTO marketplace.users (email, password_hash, email_verified, user_type)
            SELECT 'bench-client-' || g || '@example.test', 'x', true, 'buyer' FROM generate_series(1, 500) g;
            INSERT INTO marketplace.users (email, password_hash, email_verified, user_type)
            SELECT 'bench-provider-' || g || '@example.test', 'x', true, 'provider' FROM generate_series(1, {o.Providers}) g;
            INSERT INTO marketplace.providers (user_id, provider_type, business_name, stripe_connect_account_id, stripe_connect_onboarding_complete,
                stripe_connect_payouts_enabled, stripe_connect_details_submitted, payment_mode, status, activated_at)
            SELECT u.id, 'service_provider', 'Bench provider ' || u.id, 'acct_bench' || lpad(u.id::text, 10, '0'),
                   n % 5 <> 0, n % 5 <> 0, n % 5 <> 0, 'stripe_connect', CASE WHEN n % 5 = 0 THEN 'pending' ELSE 'active' END,
                   CASE WHEN n % 5 = 0 THEN NULL ELSE now() END
              FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM marketplace.users WHERE email LIKE 'bench-provider-%') u;
            WITH clients AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM marketplace.users WHERE email LIKE 'bench-client-%'),
                 providers AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM marketplace.providers WHERE status = 'active')
            INSERT INTO marketplace.transactions (client_id, provider_id, service_description, service_price_cents, platform_fee_cents,
                total_cents, provider_payout_cents, status, created_at, invoiced_at)
            SELECT c.id, p.id, 'Bench booking ' || g, 1000 + (g % 50) * 100, (1000 + (g % 50) * 100) / 10,
                   1000 + (g % 50) * 100, (1000 + (g % 50) * 100) * 9 / 10, 'invoiced', now(), now()
              FROM generate_series(1, {o.Payments + o.Warmup}) g
              JOIN clients c ON c.n = g % 500
              JOIN providers p ON p.n = g % (SELECT count(*) FROM providers);
            INSERT INTO marketplace.invoices (transaction_id, provider_id, client_id, invoice_number, subtotal_cents, total_cents, balance_cents,
                status, payment_method, issued_at, sent_at)
            SELECT id, provider_id, client_id, 'MP-BENCH-' || lpad(id::text, 8, '0'), total_cents, total_cents, total_cents, 'sent', 'stripe', now(), now()
              FROM marketplace.transactions;
            UPDATE marketplace.transactions t SET invoice_id = i.id FROM marketplace.invoices i WHERE i.transaction_id = t.id;
            UPDATE marketplace.providers p SET total_transactions = (SELECT count(*) FROM marketplace.transactions t WHERE t.provider_id = p.id);
            """);
        var bookings = (await Sql.RowsAsync(cs, """
            SELECT t.id, i.id, t.total_cents, t.platform_fee_cents, p.stripe_connect_account_id
              FROM marketplace.transactions t JOIN marketplace.invoices i ON i.transaction_id = t.id JOIN marketplace.providers p ON p.id = t.provider_id
             ORDER BY t.id
            """)).Select(r => new Booking((long)r[0], (int)r[1], (long)r[2], (long)r[3], (string)r[4])).ToList();
        var providers = (await Sql.RowsAsync(cs, "SELECT id, stripe_connect_account_id, status = 'pending' FROM marketplace.providers ORDER BY id"))
            .Select(r => ((int)r[0], (string)r[1], (bool)r[2])).ToList();
        return new SeedData(bookings, providers);
    }
}

/// <summary>
/// The smallest Stripe the webhook needs: GET /v1/payment_intents/{id} with the latest charge and
/// its balance transaction expanded. The fee is derived from the id, so the check can recompute it.
/// </summary>
internal sealed class StripeStub : IAsyncDisposable
{
    private readonly WebApplication app;

    private StripeStub(WebApplication app, string baseUrl)
    {
        this.app = app;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    public static long FeeOf(long bookingNumber) => 30 + bookingNumber % 97;

    public static async Task<StripeStub> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var port = Options.FreePort();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var web = builder.Build();
        web.MapGet("/v1/payment_intents/{id}", (string id) =>
        {
            var n = long.Parse(id["pi_bench_".Length..], CultureInfo.InvariantCulture);
            return Results.Json(new
            {
                id,
                @object = "payment_intent",
                amount = 0,
                currency = "usd",
                status = "succeeded",
                livemode = false,
                latest_charge = new
                {
                    id = $"ch_bench_{n}",
                    @object = "charge",
                    amount = 0,
                    currency = "usd",
                    paid = true,
                    status = "succeeded",
                    balance_transaction = new { id = $"txn_bench_{n}", @object = "balance_transaction", amount = 0, currency = "usd", fee = FeeOf(n), net = 0, type = "charge" },
                },
            });
        });
        await web.StartAsync();
        return new StripeStub(web, $"http://127.0.0.1:{port}");
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}

internal static class Api
{
    /// <summary>The API's data folder (its outbox writes each mail there as an .eml file: no SMTP server here); deleted at the end.</summary>
    public static readonly string DataDirectory = Path.Combine(Path.GetTempPath(), $"marketplace-bench-{Environment.ProcessId}");

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
        start.Environment["ConnectionStrings__Marketplace"] = cs + ";Maximum Pool Size=64;Max Auto Prepare=64;Auto Prepare Min Usages=2;Multiplexing=true";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Marketplace__Auth__SigningKey"] = "benchmark-signing-key-of-at-least-32-bytes!";
        start.Environment["Marketplace__Stripe__SecretKey"] = "sk_test_benchmark";
        start.Environment["Marketplace__Stripe__WebhookSecret"] = Options.WebhookSecret;
        start.Environment["Marketplace__Stripe__ConnectWebhookSecret"] = Options.ConnectWebhookSecret;
        start.Environment["Marketplace__Stripe__ApiBase"] = stripeBase;
        start.Environment["Marketplace__RateLimiting__Enabled"] = "false";
        start.Environment["Marketplace__DataDirectory"] = DataDirectory;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Marketplace.Requests"] = "Warning";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line && line.Contains("fail", StringComparison.OrdinalIgnoreCase)) Console.WriteLine("api: " + line); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) Console.WriteLine("api: " + line); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Console.WriteLine($"API started (pid {process.Id}) on port {port}");
        return process;
    }
}

/// <summary>CPU time from /proc (Linux): the API process tree, and the PostgreSQL backends serving this benchmark's database.</summary>
internal static class Cpu
{
    public static double Seconds(IEnumerable<int> pids) => pids.Sum(pid =>
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (IOException)
        {
            return 0;
        }
    });

    public static List<int> WithDescendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid))
            {
                try
                {
                    var stat = File.ReadAllText($"{dir}/stat");
                    parents[pid] = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                }
                catch (IOException)
                {
                }
            }
        }
        var all = new List<int> { root };
        for (var i = 0; i < all.Count; i++)
        {
            all.AddRange(parents.Where(p => p.Value == all[i]).Select(p => p.Key));
        }
        return all;
    }

    public static async Task<List<int>> BackendsAsync(string cs, string database) =>
        [.. (await Sql.RowsAsync(cs, $"SELECT pid FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid()")).Select(r => (int)r[0])];

    public static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
}

internal sealed record Delivery(string EventId, string Payload, string Secret);

internal static class Events
{
    /// <summary>
    /// Per booking a checkout.session.completed; for every second one a partial charge.refunded
    /// (500 cents); per pending provider an account.updated making it chargeable; plus unknown
    /// customer.created events. All from the test fixtures (real shapes for 2026-10-28.endive).
    /// </summary>
    public static List<Delivery> Build(string repo, List<Booking> bookings, List<(int Id, string Account, bool Pending)> providers, int ignored, string tag)
    {
        var fixtures = Path.Combine(repo, "Marketplace.Tests", "Features", "Webhooks", "Stripe", "Fixtures");
        string Load(string name) => File.ReadAllText(Path.Combine(fixtures, name + ".json"));
        var completed = Load("checkout.session.completed");
        var refunded = Load("charge.refunded");
        var account = Load("account.updated");
        var customer = Load("customer.created");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var list = new List<Delivery>();
        var n = 0;
        foreach (var b in bookings)
        {
            n++;
            list.Add(New(completed, Options.WebhookSecret, new()
            {
                ["event_id"] = $"evt_bench_{tag}paid_{n}", ["created"] = now, ["session_id"] = $"cs_test_bench_{tag}{n}", ["session_created"] = now - 60,
                ["amount_total"] = b.TotalCents, ["currency"] = "usd", ["customer"] = $"cus_bench_{n}", ["customer_email"] = "client@example.test",
                ["client_reference_id"] = b.InvoiceId.ToString(CultureInfo.InvariantCulture), ["expires_at"] = now + 86400,
                ["payment_intent"] = $"pi_bench_{b.TransactionId}", ["payment_status"] = "paid",
                ["transaction_id"] = b.TransactionId.ToString(CultureInfo.InvariantCulture), ["invoice_id"] = b.InvoiceId.ToString(CultureInfo.InvariantCulture),
                ["success_url"] = "https://app.example.test/ok", ["cancel_url"] = "https://app.example.test/cancel", ["url"] = null,
            }));
            if (n % 2 == 0)
            {
                list.Add(New(refunded, Options.WebhookSecret, new()
                {
                    ["event_id"] = $"evt_bench_{tag}refund_{n}", ["created"] = now, ["charge_id"] = $"ch_bench_{b.TransactionId}", ["charge_created"] = now - 60,
                    ["amount"] = b.TotalCents, ["amount_refunded"] = 500L, ["previous_amount_refunded"] = 0L, ["refunded"] = false,
                    ["application_fee"] = $"fee_bench_{n}", ["application_fee_amount"] = b.FeeCents, ["balance_transaction"] = $"txn_bench_{b.TransactionId}",
                    ["currency"] = "usd", ["customer"] = $"cus_bench_{n}", ["description"] = null, ["destination"] = b.Account,
                    ["payment_intent"] = $"pi_bench_{b.TransactionId}", ["transfer"] = $"tr_bench_{n}",
                }));
            }
        }
        foreach (var p in providers.Where(p => p.Pending))
        {
            list.Add(New(account, Options.ConnectWebhookSecret, new()
            {
                ["event_id"] = $"evt_bench_acct_{p.Id}", ["created"] = now, ["account_id"] = p.Account, ["account_created"] = now - 3600,
                ["business_name"] = "Bench", ["provider_id"] = p.Id.ToString(CultureInfo.InvariantCulture),
                ["charges_enabled"] = true, ["payouts_enabled"] = true, ["details_submitted"] = true,
                ["card_payments"] = "active", ["transfers"] = "active", ["currently_due"] = new List<string>(), ["disabled_reason"] = null,
            }));
        }
        for (var i = 0; i < ignored; i++)
        {
            list.Add(New(customer, Options.WebhookSecret, new()
            {
                ["event_id"] = $"evt_bench_{tag}other_{i}", ["created"] = now, ["customer"] = $"cus_bench_other_{i}", ["customer_email"] = "x@example.test",
            }));
        }
        return list;
    }

    /// <summary>Every event once plus a share of them again, shuffled (seeded), so duplicates race their originals.</summary>
    public static List<Delivery> WithDuplicates(List<Delivery> events, Options o)
    {
        var random = new Random(42);
        var all = new List<Delivery>(events);
        all.AddRange(events.OrderBy(_ => random.Next()).Take((int)(events.Count * o.DuplicateShare)));
        return [.. all.OrderBy(_ => random.Next())];
    }

    private static Delivery New(string template, string secret, Dictionary<string, object?> values)
    {
        var text = template;
        foreach (var (key, value) in values)
        {
            text = text.Replace($"\"{{{{{key}}}}}\"", JsonSerializer.Serialize(value), StringComparison.Ordinal);
            text = text.Replace($"{{{{{key}}}}}", Convert.ToString(value, CultureInfo.InvariantCulture), StringComparison.Ordinal);
        }
        if (Regex.IsMatch(text, @"\{\{\w+\}\}"))
        {
            throw new InvalidOperationException("a fixture placeholder was left unfilled: " + Regex.Match(text, @"\{\{\w+\}\}").Value);
        }
        return new Delivery((string)values["event_id"]!, text, secret);
    }
}

internal sealed record ReplayResult(TimeSpan Elapsed, double EventsPerSecond, double[] LatenciesMs, Dictionary<int, int> Statuses, int Duplicates,
    List<(string EventId, double AtSeconds, double Ms)> Slowest)
{
    public double P(int percentile) =>
        LatenciesMs.Length == 0 ? 0 : LatenciesMs[Math.Clamp((int)Math.Ceiling(percentile / 100.0 * LatenciesMs.Length) - 1, 0, LatenciesMs.Length - 1)];
}

internal static class Replay
{
    public static async Task<ReplayResult> RunAsync(HttpClient http, List<Delivery> deliveries, int senders)
    {
        var queue = new ConcurrentQueue<Delivery>(deliveries);
        var latencies = new ConcurrentBag<double>();
        var timed = new ConcurrentBag<(string, double, double)>();
        var statuses = new ConcurrentDictionary<int, int>();
        var duplicates = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, senders).Select(_ => Task.Run(async () =>
        {
            while (queue.TryDequeue(out var delivery))
            {
                var started = Stopwatch.GetTimestamp();
                var (status, body) = await SendAsync(http, delivery);
                var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                latencies.Add(ms);
                if (ms > 200)
                {
                    timed.Add((delivery.EventId, clock.Elapsed.TotalSeconds - ms / 1000, ms));
                }
                statuses.AddOrUpdate(status, 1, (_, c) => c + 1);
                if (body.Contains("\"duplicate\":true", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref duplicates);
                }
            }
        })));
        clock.Stop();
        var sorted = latencies.Order().ToArray();
        return new ReplayResult(clock.Elapsed, deliveries.Count / clock.Elapsed.TotalSeconds, sorted, new Dictionary<int, int>(statuses), duplicates,
            [.. timed.OrderByDescending(t => t.Item3).Take(5)]);
    }

    private static async Task<(int, string)> SendAsync(HttpClient http, Delivery delivery)
    {
        // signed at send time, as Stripe does for each delivery attempt
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(delivery.Secret), Encoding.UTF8.GetBytes($"{timestamp}.{delivery.Payload}")));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/marketplace/webhooks/stripe")
        {
            Content = new StringContent(delivery.Payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Stripe-Signature", $"t={timestamp},v1={signature}");
        using var response = await http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}

internal static class Verify
{
    public static async Task<bool> RunAsync(string cs, SeedData seed, int distinctEvents, ReplayResult[] replays)
    {
        var ok = true;
        async Task Check(string what, string sql, long expected)
        {
            var actual = await Sql.ScalarAsync(cs, sql);
            var pass = actual == expected;
            ok &= pass;
            Console.WriteLine($"  {(pass ? "ok  " : "FAIL")} {what}: {actual}{(pass ? "" : $" (expected {expected})")}");
        }

        var bookings = seed.Bookings.Count;
        var refunds = bookings / 2;
        var pending = seed.Providers.Count(p => p.Pending);
        Console.WriteLine("verification (from the database):");
        await Check("events recorded once each", "SELECT count(*) FROM marketplace.stripe_events WHERE id LIKE 'evt_bench_%'", distinctEvents);
        await Check("deliveries answered as duplicates", $"SELECT {replays.Sum(r => r.Duplicates)}", replays.Sum(r => r.Statuses.Values.Sum()) - distinctEvents);
        await Check("invoices paid", "SELECT count(*) FROM marketplace.invoices WHERE paid_cents = total_cents AND balance_cents = 0 AND status = 'paid'", bookings);
        await Check("invoices with a payment recorded twice (audit)", "SELECT count(*) FROM (SELECT entity_id FROM marketplace.audit_log WHERE entity_type = 'invoice' AND action = 'paid' GROUP BY entity_id HAVING count(*) > 1) d", 0);
        await Check("invoices refunded 500 cents exactly", "SELECT count(*) FROM marketplace.invoices WHERE refunded_cents = 500", refunds);
        await Check("invoices refunded any other amount", "SELECT count(*) FROM marketplace.invoices WHERE refunded_cents NOT IN (0, 500)", 0);
        await Check("refunds recorded twice (audit)", "SELECT count(*) FROM (SELECT entity_id FROM marketplace.audit_log WHERE entity_type = 'invoice' AND action = 'partially_refunded' GROUP BY entity_id HAVING count(*) > 1) d", 0);
        await Check("refund events left deferred", "SELECT count(*) FROM marketplace.stripe_events WHERE outcome = 'deferred'", 0);
        await Check("transactions paid with the charge's Stripe fee", "SELECT count(*) FROM marketplace.transactions WHERE status = 'paid' AND stripe_fees_cents = 30 + id % 97", bookings);
        await Check("transactions with the proportional fee refund", "SELECT count(*) FROM marketplace.transactions WHERE platform_fee_refunded_cents <> (2 * platform_fee_cents * refund_amount_cents + total_cents) / (2 * total_cents)", 0);
        await Check("receipts queued (2 per payment)", "SELECT count(*) FROM marketplace.email_outbox WHERE kind = 'payment_receipt'", 2L * bookings);
        await Check("refund notices queued (2 per refund)", "SELECT count(*) FROM marketplace.email_outbox WHERE kind = 'refund_issued'", 2L * refunds);
        await Check("providers whose revenue counter differs from the rows", """
            SELECT count(*) FROM marketplace.providers p
             WHERE p.total_revenue_cents <> (SELECT coalesce(sum(t.total_cents - t.refund_amount_cents), 0) FROM marketplace.transactions t WHERE t.provider_id = p.id AND t.paid_at IS NOT NULL)
                OR p.lifetime_payout_cents <> (SELECT coalesce(sum((t.total_cents - t.refund_amount_cents) - (t.platform_fee_cents - t.platform_fee_refunded_cents)), 0) FROM marketplace.transactions t WHERE t.provider_id = p.id AND t.paid_at IS NOT NULL)
            """, 0);
        await Check("pending providers activated once", "SELECT count(*) FROM marketplace.audit_log WHERE entity_type = 'provider' AND action = 'activated'", pending);
        await Check("providers still pending", "SELECT count(*) FROM marketplace.providers WHERE status = 'pending'", 0);
        return ok;
    }
}
