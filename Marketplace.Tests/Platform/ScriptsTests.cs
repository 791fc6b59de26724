using System.Diagnostics;
using Marketplace.Tests.Infrastructure;
using Npgsql;

namespace Marketplace.Tests.Platform;

/// <summary>
/// scripts/postgres.sh as the README and the test command use it, each test with a private cluster
/// of its own (data under the temp folder, a free port), stopped and removed at the end.
/// </summary>
public sealed class ScriptsTests : IAsyncLifetime
{
    private static readonly string RepoRoot = FindRepoRoot();
    private readonly string data = Path.Combine(Path.GetTempPath(), "marketplace-script-tests", Guid.NewGuid().ToString("N"), "pg");

    [Fact]
    public async Task Sourcing_the_script_leaves_the_callers_shell_options_alone_and_a_failure_returns_instead_of_exiting()
    {
        var port = AppFixture.FreePort();
        var ok = await BashAsync($"""
            set +e +u; set +o pipefail
            source scripts/postgres.sh
            echo "status=$? started=$MARKETPLACE_PG_STARTED admin=$MARKETPLACE_PG_ADMIN"
            set -o | grep -E '^(errexit|nounset|pipefail)' | tr -s ' \t' ' '
            """, ("MARKETPLACE_PG_PORT", port.ToString()));
        Assert.Contains($"status=0 started=1 admin=Host=127.0.0.1;Port={port};Username=postgres;Database=postgres", ok.Stdout, StringComparison.Ordinal);
        Assert.Contains("errexit off", ok.Stdout, StringComparison.Ordinal);
        Assert.Contains("nounset off", ok.Stdout, StringComparison.Ordinal);
        Assert.Contains("pipefail off", ok.Stdout, StringComparison.Ordinal);

        // the port is taken by another program: the sourced script fails, the caller's shell goes on
        using var squatter = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, AppFixture.FreePort());
        squatter.Start();
        var taken = ((System.Net.IPEndPoint)squatter.LocalEndpoint).Port;
        await StopAsync();
        var failed = await BashAsync("""
            source scripts/postgres.sh
            echo "still here, status=$?"
            """, ("MARKETPLACE_PG_PORT", taken.ToString()));
        Assert.Contains("still here, status=3", failed.Stdout, StringComparison.Ordinal);
        Assert.Contains($"error: port {taken} on 127.0.0.1 is already in use by another program", failed.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_port_setting_counts_on_every_start_not_only_the_first()
    {
        var first = AppFixture.FreePort();
        Assert.Equal(0, (await BashAsync("scripts/postgres.sh", ("MARKETPLACE_PG_PORT", first.ToString()))).ExitCode);
        await AssertAnswersAsync(first);

        await StopAsync();
        var second = AppFixture.FreePort();
        var started = await BashAsync("scripts/postgres.sh", ("MARKETPLACE_PG_PORT", second.ToString()));
        Assert.Equal($"Host=127.0.0.1;Port={second};Username=postgres;Database=postgres", started.Stdout.Trim());
        await AssertAnswersAsync(second);

        // changed while it runs: restarted on the new port
        var third = AppFixture.FreePort();
        var moved = await BashAsync("scripts/postgres.sh url marketplace", ("MARKETPLACE_PG_PORT", third.ToString()));
        Assert.Equal($"Host=127.0.0.1;Port={third};Username=postgres;Database=marketplace", moved.Stdout.Trim());
        Assert.Contains($"restarting it on MARKETPLACE_PG_PORT={third}", moved.Stderr, StringComparison.Ordinal);
        await AssertAnswersAsync(third);
    }

    [Fact]
    public async Task Without_a_port_setting_a_second_clone_takes_the_next_free_port()
    {
        // another clone's cluster holds the default port
        using var otherClone = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, AppFixture.FreePort());
        otherClone.Start();
        var taken = ((System.Net.IPEndPoint)otherClone.LocalEndpoint).Port;

        var started = await BashAsync("scripts/postgres.sh", ("MARKETPLACE_PG_FIRST_PORT", taken.ToString()), ("MARKETPLACE_PG_PORT", null));

        Assert.Equal(0, started.ExitCode);
        Assert.Contains($"note: port {taken} is taken (another clone's cluster?)", started.Stderr, StringComparison.Ordinal);
        var port = new NpgsqlConnectionStringBuilder(started.Stdout.Trim()).Port;
        Assert.True(port > taken, $"expected a port above {taken}, got {port}");
        await AssertAnswersAsync(port);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await StopAsync();
        Directory.Delete(Path.GetDirectoryName(data)!, recursive: true);
    }

    private Task StopAsync() => BashAsync("scripts/postgres.sh stop");

    private static async Task AssertAnswersAsync(int port)
    {
        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=false;Timeout=5");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SHOW port", connection);
        Assert.Equal(port.ToString(), await command.ExecuteScalarAsync());
    }

    private sealed record Result(int ExitCode, string Stdout, string Stderr);

    private async Task<Result> BashAsync(string script, params (string Name, string? Value)[] environment)
    {
        var start = new ProcessStartInfo("bash") { WorkingDirectory = RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        start.Environment["MARKETPLACE_PG_DATA"] = data;
        start.Environment.Remove("MARKETPLACE_PG_PORT");
        start.Environment.Remove("MARKETPLACE_PG_FIRST_PORT");
        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "scripts", "postgres.sh")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("scripts/postgres.sh not found above " + AppContext.BaseDirectory);
    }
}
