using System.Collections.Concurrent;
using System.Diagnostics;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Platform;

/// <summary>
/// The built API (Marketplace.Api.dll, from its own build output) run as an operator runs it: a
/// child process configured by environment variables, its console captured line by line.
/// </summary>
public sealed class ApiProcess : IAsyncDisposable
{
    private static readonly string ApiDirectory =
        AppContext.BaseDirectory.Replace("Marketplace.Tests", "Marketplace.Api", StringComparison.Ordinal);

    private readonly Process process;
    private readonly ConcurrentQueue<string> stdout = new();
    private readonly ConcurrentQueue<string> stderr = new();
    private readonly string dataDirectory;

    private ApiProcess(Process process, string dataDirectory, int port)
    {
        this.process = process;
        this.dataDirectory = dataDirectory;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
    }

    public Uri BaseAddress { get; }

    public IReadOnlyCollection<string> Stdout => stdout;

    public IReadOnlyCollection<string> Stderr => stderr;

    /// <summary>
    /// A valid Production configuration against the run's server (no migration: start-up must not
    /// need the schema), changed by <paramref name="settings"/> (a null value removes a variable).
    /// </summary>
    public static ApiProcess Start(IDictionary<string, string?> settings)
    {
        var port = AppFixture.FreePort();
        var dataDirectory = Path.Combine(Path.GetTempPath(), "marketplace-process-tests", Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = ApiDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(ApiDirectory, "Marketplace.Api.dll"));
        foreach (var inherited in start.Environment.Keys.Where(k => k.StartsWith("Marketplace__", StringComparison.Ordinal) || k.StartsWith("OTEL_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(inherited);
        }
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["ConnectionStrings__Marketplace"] = TestDatabase.ServerConnectionString,
            ["Marketplace__Auth__SigningKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48)),
            ["Marketplace__DataDirectory"] = dataDirectory,
            ["Marketplace__Smtp__PollMilliseconds"] = "600000",
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }
        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }
        var process = new Process { StartInfo = start };
        var api = new ApiProcess(process, dataDirectory, port);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) api.stdout.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) api.stderr.Enqueue(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return api;
    }

    /// <summary>Waits for the process to end by itself; its exit code.</summary>
    public async Task<int> ExitCodeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        process.WaitForExit(); // flushes the redirected streams
        return process.ExitCode;
    }

    /// <summary>Waits until the API answers HTTP (or fails the test with what it printed).</summary>
    public async Task<HttpClient> ReadyAsync()
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(process.HasExited, $"the API exited with {(process.HasExited ? process.ExitCode : 0)}: {string.Join('\n', stderr.Concat(stdout))}");
            try
            {
                await client.GetAsync("/health/live");
                return client;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100);
            }
        }
        throw new TimeoutException("the API did not answer within a minute: " + string.Join('\n', stderr.Concat(stdout)));
    }

    /// <summary>Waits (up to 30 s) for a line on stdout; the console logger writes from a queue of its own.</summary>
    public async Task<string> LineAsync(Func<string, bool> match)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (stdout.FirstOrDefault(match) is { } line)
            {
                return line;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException("no such line on stdout:\n" + string.Join('\n', stdout));
    }

    /// <summary>Stops the process and waits until its output is read to the end.</summary>
    public async Task StopAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }
        await process.WaitForExitAsync();
        process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        process.Dispose();
        try
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
