using System.Globalization;

namespace ListingSearch;

/// <summary>
/// The same scenarios on two loaded databases (<c>--database</c>, <c>--versus</c>), an API on each, in
/// interleaved pairs: in every round each scenario runs on one database and at once on the other (which
/// goes first alternates), so both runs of a pair meet the same load from whatever else shares the
/// machine. A p99 of one separate run against another's moved by a third on this machine; the ratio of
/// each pair's p99s, and its median over the rounds, is the figure to compare (issue 15: at 1M listings no
/// scenario's p99 over 1.2x its 200k value). A round's p99 of a few hundred answers is their fifth
/// slowest, so one stall moves it; the last column pools every round's answers on each database and
/// compares the p99s of the two pools (thousands of answers each, measured under the same outside load).
/// </summary>
internal static class Pairs
{
    public static async Task RunAsync(Options options, string baseName, string versusName, List<(Scenario Base, Scenario Versus)> pairs,
        HttpClient baseHttp, HttpClient versusHttp)
    {
        Console.WriteLine($"{pairs.Count} scenarios, {options.Rounds} rounds of {options.Duration.TotalSeconds:0.#} s per database (after {options.Warmup.TotalSeconds:0.#} s of warm-up each), {options.Clients} clients");
        foreach (var (b, v) in pairs)
        {
            await Load.RunAsync(baseHttp, b.Probes, options.Clients, TimeSpan.Zero, options.Warmup);
            await Load.RunAsync(versusHttp, v.Probes, options.Clients, TimeSpan.Zero, options.Warmup);
        }
        Task<Measurement> Run(HttpClient http, Scenario scenario) =>
            Load.RunAsync(http, scenario.Probes, options.Clients, TimeSpan.FromSeconds(0.5), options.Duration);
        var results = pairs.ToDictionary(p => p.Base.Name, _ => (Base: new List<Measurement>(), Versus: new List<Measurement>()));
        for (var round = 0; round < options.Rounds; round++)
        {
            foreach (var (b, v) in pairs)
            {
                var (onBase, onVersus) = results[b.Name];
                if (round % 2 == 0)
                {
                    onBase.Add(await Run(baseHttp, b));
                    onVersus.Add(await Run(versusHttp, v));
                }
                else
                {
                    onVersus.Add(await Run(versusHttp, v));
                    onBase.Add(await Run(baseHttp, b));
                }
            }
            Console.WriteLine($"round {round + 1}/{options.Rounds} done");
        }

        Console.WriteLine();
        Console.WriteLine($"| scenario | p99, {baseName} | p99, {versusName} | p99 ratio per pair: median (range) | p50 ratio: median | errors | p99 of all rounds' answers: base / versus (ratio) |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (b, _) in pairs)
        {
            var (onBase, onVersus) = results[b.Name];
            var p99 = Ratios(onBase, onVersus, m => m.P99Ms);
            var p50 = Ratios(onBase, onVersus, m => m.MedianMs);
            var flag = Median(p99) > 1.2 ? " **over 1.2x**" : "";
            var (pooledBase, pooledVersus) = (Pooled(onBase), Pooled(onVersus));
            var pooledRatio = pooledVersus / pooledBase;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {b.Name} | {Median(onBase.Select(m => m.P99Ms)):0.0} ms | {Median(onVersus.Select(m => m.P99Ms)):0.0} ms | {Median(p99):0.00}{flag} ({p99[0]:0.00}-{p99[^1]:0.00}) | {Median(p50):0.00} | {onBase.Sum(m => m.Errors) + onVersus.Sum(m => m.Errors)} | {pooledBase:0.0} / {pooledVersus:0.0} ms ({pooledRatio:0.00}{(pooledRatio > 1.2 ? " **over 1.2x**" : "")}) |"));
        }
    }

    private static double[] Ratios(List<Measurement> onBase, List<Measurement> onVersus, Func<Measurement, double> of) =>
        [.. onBase.Zip(onVersus, (b, v) => of(v) / of(b)).Order()];

    /// <summary>
    /// The shared buffers each scenario's statements touch (every distinct request once, EXPLAIN ANALYZE,
    /// hit + read) on both databases: whether a page does more work at the larger size, with no noise.
    /// </summary>
    public static void PrintWork(string baseName, string versusName, List<(string Scenario, long Base, long Versus)> work)
    {
        Console.WriteLine();
        Console.WriteLine($"| scenario | buffers, {baseName} | buffers, {versusName} | ratio |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        foreach (var (scenario, onBase, onVersus) in work)
        {
            var ratio = (double)onVersus / onBase;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {scenario} | {onBase:N0} | {onVersus:N0} | {ratio:0.00}{(ratio > 1.2 ? " **over 1.2x**" : "")} |"));
        }
        Console.WriteLine();
    }

    /// <summary>The p99 of every answer of every round.</summary>
    private static double Pooled(List<Measurement> rounds) => Load.Percentile([.. rounds.SelectMany(m => m.LatenciesMs).Order()], 0.99);

    private static double Median(IEnumerable<double> values) => Load.Percentile([.. values.Order()], 0.50);
}
