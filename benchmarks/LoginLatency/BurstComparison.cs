using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;

/// <summary>
/// Browse latency while logins hash passwords: for each API (hashing limit off, limit on), rounds
/// interleaved so the machine's noise falls on both alike. A phase of browse alone, then a phase of
/// <c>clients</c> closed-loop logins (a 503 busy waits its Retry-After, as a client would) with two
/// closed-loop browse clients alongside.
/// </summary>
internal static class BurstComparison
{
    private const string Browse = "/api/v1/marketplace/listings?limit=20";
    private const int BrowseClients = 2;

    private sealed class Samples
    {
        public List<double> BrowseAlone { get; } = [];
        public List<double> BrowseDuringBurst { get; } = [];
        public List<double> Logins { get; } = [];
        public int Busy { get; set; }
        public TimeSpan BurstTime { get; set; }
    }

    public static async Task RunAsync((string Label, HttpClient Http)[] apis, string email, string password, int clients, TimeSpan phase, int rounds)
    {
        var samples = apis.ToDictionary(a => a.Label, _ => new Samples());
        foreach (var (_, http) in apis)
        {
            // warm both: JIT, pools, the hash path
            await TimedLoopAsync(http, Browse, TimeSpan.FromSeconds(1), []);
            for (var i = 0; i < 4; i++)
            {
                await LoginAsync(http, email, password);
            }
        }
        for (var round = 0; round < rounds; round++)
        {
            foreach (var (label, http) in apis)
            {
                var s = samples[label];
                await TimedLoopAsync(http, Browse, phase / 2, s.BrowseAlone);

                using var stop = new CancellationTokenSource(phase);
                var started = Stopwatch.StartNew();
                var loginLoops = Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
                {
                    var mine = new List<double>();
                    var busy = 0;
                    while (!stop.IsCancellationRequested)
                    {
                        var (ms, status, retryAfter) = await LoginAsync(http, email, password);
                        if (status == HttpStatusCode.ServiceUnavailable)
                        {
                            busy++;
                            await Task.Delay(retryAfter ?? TimeSpan.FromSeconds(1));
                        }
                        else
                        {
                            mine.Add(ms);
                        }
                    }
                    return (mine, busy);
                })).ToArray();
                var browseLoops = Enumerable.Range(0, BrowseClients).Select(_ => Task.Run(async () =>
                {
                    var mine = new List<double>();
                    await TimedLoopAsync(http, Browse, phase, mine);
                    return mine;
                })).ToArray();
                foreach (var (mine, busy) in await Task.WhenAll(loginLoops))
                {
                    s.Logins.AddRange(mine);
                    s.Busy += busy;
                }
                foreach (var mine in await Task.WhenAll(browseLoops))
                {
                    s.BrowseDuringBurst.AddRange(mine);
                }
                s.BurstTime += started.Elapsed;
            }
        }

        Console.WriteLine();
        Console.WriteLine($"Browse ({Browse}, {BrowseClients} closed-loop clients) during a burst of {clients} closed-loop login clients, "
            + $"{rounds} interleaved rounds of {phase.TotalSeconds:0} s per API, {Environment.ProcessorCount} CPUs");
        foreach (var (label, _) in apis)
        {
            var s = samples[label];
            Console.WriteLine($"[{label}]");
            Print("  browse alone", s.BrowseAlone);
            Print("  browse during burst", s.BrowseDuringBurst);
            Print("  login during burst", s.Logins);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  logins {s.Logins.Count / s.BurstTime.TotalSeconds:0.0}/s, browse {s.BrowseDuringBurst.Count / s.BurstTime.TotalSeconds:0.0}/s during the burst, 503 busy: {s.Busy}"));
        }
        if (apis.Length == 2)
        {
            var before = Percentile(samples[apis[0].Label].BrowseDuringBurst, 99);
            var after = Percentile(samples[apis[1].Label].BrowseDuringBurst, 99);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"browse p99 during the burst: {apis[0].Label} {before:0.0} ms, {apis[1].Label} {after:0.0} ms ({before / after:0.0}x lower)"));
        }
    }

    private static async Task TimedLoopAsync(HttpClient http, string path, TimeSpan duration, List<double> into)
    {
        var until = Stopwatch.StartNew();
        while (until.Elapsed < duration)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await http.GetAsync(path);
            await response.Content.ReadAsByteArrayAsync();
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"browse answered {(int)response.StatusCode}");
            }
            into.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private static async Task<(double Ms, HttpStatusCode Status, TimeSpan? RetryAfter)> LoginAsync(HttpClient http, string email, string password)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await http.PostAsJsonAsync("/api/v1/marketplace/auth/login", new { email, password });
        await response.Content.ReadAsByteArrayAsync();
        if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable))
        {
            throw new InvalidOperationException($"login answered {(int)response.StatusCode}");
        }
        return (Stopwatch.GetElapsedTime(started).TotalMilliseconds, response.StatusCode, response.Headers.RetryAfter?.Delta);
    }

    private static double Percentile(List<double> samples, double p)
    {
        var sorted = samples.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Max(0, (int)Math.Ceiling(p / 100 * sorted.Length) - 1)];
    }

    private static void Print(string what, List<double> samples) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what,-22} n={samples.Count,5}  p50 {Percentile(samples, 50),7:0.0} ms  p90 {Percentile(samples, 90),7:0.0} ms  p99 {Percentile(samples, 99),7:0.0} ms  max {(samples.Count == 0 ? double.NaN : samples.Max()),7:0.0} ms"));
}
