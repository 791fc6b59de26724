using System.Globalization;

namespace ListingSearch;

/// <summary>
/// The same scenarios on two loaded databases (<c>--database</c>, <c>--versus</c>), an API on each, in
/// interleaved pairs: in every round each scenario runs on one database and at once on the other (which
/// goes first alternates), so both runs of a pair meet the same load from whatever else shares the
/// machine. A p99 of one separate run against another's moved by a third on this machine; the ratio of
/// each pair's p99s, and its median over the rounds, is the figure to compare (issue 15: at 1M listings no
/// scenario's p99 over 1.2x its 200k value).
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
        Console.WriteLine($"| scenario | p99, {baseName} | p99, {versusName} | p99 ratio per pair: median (range) | p50 ratio: median | errors |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (b, _) in pairs)
        {
            var (onBase, onVersus) = results[b.Name];
            var p99 = Ratios(onBase, onVersus, m => m.P99Ms);
            var p50 = Ratios(onBase, onVersus, m => m.MedianMs);
            var flag = Median(p99) > 1.2 ? " **over 1.2x**" : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {b.Name} | {Median(onBase.Select(m => m.P99Ms)):0.0} ms | {Median(onVersus.Select(m => m.P99Ms)):0.0} ms | {Median(p99):0.00}{flag} ({p99[0]:0.00}-{p99[^1]:0.00}) | {Median(p50):0.00} | {onBase.Sum(m => m.Errors) + onVersus.Sum(m => m.Errors)} |"));
        }
    }

    private static double[] Ratios(List<Measurement> onBase, List<Measurement> onVersus, Func<Measurement, double> of) =>
        [.. onBase.Zip(onVersus, (b, v) => of(v) / of(b)).Order()];

    private static double Median(IEnumerable<double> values) => Load.Percentile([.. values.Order()], 0.50);
}
