using System.Diagnostics;
using Marketplace.Migrations;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Migrations;

/// <summary>The operators' CLI, run as a real process the way the README shows.</summary>
public sealed class CliTests
{
    /// <summary>The CLI's own build output (beside this project's), with its own dependency graph.</summary>
    private static readonly string CliDll = Path.Combine(
        AppContext.BaseDirectory.Replace("Marketplace.Tests", "Marketplace.Migrations", StringComparison.Ordinal),
        "Marketplace.Migrations.dll");

    [Fact]
    public async Task Up_then_list_shows_every_migration_applied_with_its_description()
    {
        var cs = await TestDatabase.CreateAsync("cli");
        try
        {
            var before = await RunAsync(cs, "list");
            Assert.Equal(0, before.ExitCode);
            Assert.All(MarketplaceMigrator.Known, m => Assert.Contains($"{m.Version}  pending  {m.Description}", before.Stdout, StringComparison.Ordinal));

            var up = await RunAsync(cs, "up");
            Assert.Equal(0, up.ExitCode);
            Assert.Contains($"applied {MarketplaceMigrator.Known.Count} migrations, now at version {MarketplaceMigrator.Known[^1].Version}", up.Stdout, StringComparison.Ordinal);

            var again = await RunAsync(cs, "up");
            Assert.Equal(0, again.ExitCode);
            Assert.Contains($"nothing to do: at version {MarketplaceMigrator.Known[^1].Version}", again.Stdout, StringComparison.Ordinal);

            var after = await RunAsync(cs, "list");
            Assert.All(MarketplaceMigrator.Known, m => Assert.Contains($"{m.Version}  applied  {m.Description}", after.Stdout, StringComparison.Ordinal));
        }
        finally
        {
            await TestDatabase.DropAsync(cs);
        }
    }

    [Fact]
    public async Task Rollback_down_and_up_to_a_version_move_the_schema_as_asked()
    {
        var cs = await TestDatabase.CreateAsync("cli");
        try
        {
            var first = MarketplaceMigrator.Known[0].Version;
            var second = MarketplaceMigrator.Known[1].Version;

            Assert.Equal(0, (await RunAsync(cs, "up", second.ToString())).ExitCode);
            var list = (await RunAsync(cs, "list")).Stdout;
            Assert.Contains($"{second}  applied", list, StringComparison.Ordinal);
            Assert.Contains($"{MarketplaceMigrator.Known[2].Version}  pending", list, StringComparison.Ordinal);

            var rollback = await RunAsync(cs, "rollback");
            Assert.Equal(0, rollback.ExitCode);
            Assert.Contains($"reverted 1 migration, now at version {first}", rollback.Stdout, StringComparison.Ordinal);
            Assert.Contains($"{second}  pending", (await RunAsync(cs, "list")).Stdout, StringComparison.Ordinal);

            Assert.Equal(0, (await RunAsync(cs, "up")).ExitCode);
            Assert.Equal(0, (await RunAsync(cs, "down", first.ToString())).ExitCode);
            list = (await RunAsync(cs, "list")).Stdout;
            Assert.Contains($"{first}  applied", list, StringComparison.Ordinal);
            Assert.Contains($"{second}  pending", list, StringComparison.Ordinal);
        }
        finally
        {
            await TestDatabase.DropAsync(cs);
        }
    }

    [Fact]
    public async Task Preview_prints_the_SQL_and_changes_nothing()
    {
        var cs = await TestDatabase.CreateAsync("cli");
        try
        {
            var preview = await RunAsync(cs, "up", "--preview");
            Assert.Equal(0, preview.ExitCode);
            Assert.Contains("CREATE TABLE marketplace.users", preview.Stdout, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("preview only", preview.Stdout, StringComparison.Ordinal);
            Assert.Contains($"{MarketplaceMigrator.Known[0].Version}  pending", (await RunAsync(cs, "list")).Stdout, StringComparison.Ordinal);
        }
        finally
        {
            await TestDatabase.DropAsync(cs);
        }
    }

    [Theory]
    [InlineData(1, "unknown command 'sideways'", "sideways")]
    [InlineData(1, "there is no migration with version 42", "up", "42")]
    [InlineData(1, "'abc' is not a valid version", "down", "abc")]
    [InlineData(1, "down needs a target version", "down")]
    public async Task Bad_usage_exits_non_zero_with_one_clear_line(int exitCode, string message, params string[] args)
    {
        var cs = await TestDatabase.CreateAsync("cli");
        try
        {
            var result = await RunAsync(cs, args);
            Assert.Equal(exitCode, result.ExitCode);
            Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
            Assert.Single(result.Stderr.Trim().Split('\n'));
        }
        finally
        {
            await TestDatabase.DropAsync(cs);
        }
    }

    [Fact]
    public async Task An_unreachable_database_exits_2_with_one_clear_line()
    {
        var result = await RunAsync($"Host=127.0.0.1;Port={AppFixture.FreePort()};Username=nobody;Timeout=2", "list");
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: cannot reach the database:", result.Stderr.Trim(), StringComparison.Ordinal);
        Assert.Single(result.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task Help_documents_every_command()
    {
        var result = await RunAsync(null, "--help");
        Assert.Equal(0, result.ExitCode);
        foreach (var word in new[] { "up [version]", "down <version>", "rollback [steps]", "list", "--preview", "--connection", "ConnectionStrings__Marketplace" })
        {
            Assert.Contains(word, result.Stdout, StringComparison.Ordinal);
        }
    }

    private sealed record Result(int ExitCode, string Stdout, string Stderr);

    private static async Task<Result> RunAsync(string? connectionString, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(CliDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        if (connectionString is not null)
        {
            start.ArgumentList.Add("--connection");
            start.ArgumentList.Add(connectionString);
        }
        start.Environment.Remove("ConnectionStrings__Marketplace");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
