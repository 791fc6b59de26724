using System.Diagnostics;

/// <summary>
/// The benchmarks' API child process: waiting until it answers and stopping it. Each benchmark
/// starts the API itself (the settings differ); this file is compiled into each of them
/// (<c>Compile Include="../Shared/ApiProcess.cs"</c>).
/// </summary>
internal static class ApiProcess
{
    public static async Task WaitLiveAsync(HttpClient http, Process api)
    {
        var started = Stopwatch.StartNew();
        while (started.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (api.HasExited)
            {
                throw new InvalidOperationException($"the API exited with {api.ExitCode}");
            }
            try
            {
                if ((await http.GetAsync("/health/live")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(250);
        }
        throw new TimeoutException("the API did not answer /health/live");
    }

    /// <summary>Stops the API this benchmark started (its own process, by id), and its children.</summary>
    public static void Stop(Process? api)
    {
        if (api is { HasExited: false })
        {
            api.Kill(entireProcessTree: true);
            api.WaitForExit(10_000);
        }
    }
}
