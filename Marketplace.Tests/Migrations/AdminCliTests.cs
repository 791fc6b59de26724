using System.Diagnostics;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using LinqToDB.DataProvider.PostgreSQL;
using Marketplace.Api.Data;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Migrations;

/// <summary>The operators' CLI admin commands (grant, revoke, list), run as a real process the way the README shows.</summary>
public sealed class AdminCliTests
{
    private static readonly string CliDll = Path.Combine(
        AppContext.BaseDirectory.Replace("Marketplace.Tests", "Marketplace.Migrations", StringComparison.Ordinal),
        "Marketplace.Migrations.dll");

    [Fact]
    public async Task Grant_list_and_revoke_move_the_stored_flag_with_audit_and_events()
    {
        var cs = await TestDatabase.CreateMigratedAsync("admincli");
        try
        {
            using var db = new Db(new DataOptions<Db>(new DataOptions().UsePostgreSQL(cs, PostgreSQLVersion.v15)));
            var now = DateTime.UtcNow;
            var id = await db.InsertWithInt32IdentityAsync(new UserRow { Email = "Ops@Example.test", PasswordHash = "x", CreatedAt = now, UpdatedAt = now });

            Assert.Contains("no admins", (await RunAsync(cs, "admin", "list")).Stdout, StringComparison.Ordinal);

            var grant = await RunAsync(cs, "admin", "grant", "ops@example.TEST");
            Assert.Equal(0, grant.ExitCode);
            Assert.Contains("is now an admin", grant.Stdout, StringComparison.Ordinal);
            Assert.True(await db.Users.Where(u => u.Id == id).Select(u => u.IsAdmin).FirstAsync());
            Assert.Contains($"{id}  Ops@Example.test", (await RunAsync(cs, "admin", "list")).Stdout, StringComparison.Ordinal);

            var again = await RunAsync(cs, "admin", "grant", "ops@example.test");
            Assert.Equal(0, again.ExitCode);
            Assert.Contains("already an admin", again.Stdout, StringComparison.Ordinal);

            Assert.Equal(0, (await RunAsync(cs, "admin", "revoke", "ops@example.test")).ExitCode);
            Assert.False(await db.Users.Where(u => u.Id == id).Select(u => u.IsAdmin).FirstAsync());

            var audit = await db.AuditLog.Where(a => a.EntityType == "user" && a.EntityId == id).OrderBy(a => a.Id).Select(a => a.Action + "/" + a.ActorRole).ToListAsync();
            Assert.Equal(["admin_granted/system", "admin_revoked/system"], audit);
            var events = db.Query<string>(
                "SELECT type FROM marketplace.domain_events WHERE resource_type = 'user' ORDER BY sequence").ToList();
            Assert.Equal(["user.admin_granted", "user.admin_revoked"], events);
        }
        finally
        {
            await TestDatabase.DropAsync(cs);
        }
    }

    [Theory]
    [InlineData("no user with e-mail 'nobody@example.test'", "admin", "grant", "nobody@example.test")]
    [InlineData("admin needs a command", "admin")]
    [InlineData("unknown admin command 'promote'", "admin", "promote", "a@b.c")]
    [InlineData("admin grant needs exactly one e-mail address", "admin", "grant")]
    [InlineData("admin list takes no arguments", "admin", "list", "extra")]
    public async Task Bad_admin_usage_exits_1_with_one_clear_line(string message, params string[] args)
    {
        var cs = await TestDatabase.CreateMigratedAsync("admincli");
        try
        {
            var result = await RunAsync(cs, args);
            Assert.Equal(1, result.ExitCode);
            Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
            Assert.Single(result.Stderr.Trim().Split('\n'));
        }
        finally
        {
            await TestDatabase.DropAsync(cs);
        }
    }

    [Fact]
    public async Task An_unreachable_database_exits_2_and_help_documents_the_admin_commands()
    {
        var result = await RunAsync($"Host=127.0.0.1;Port={AppFixture.FreePort()};Username=nobody;Timeout=2", "admin", "list");
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: cannot reach the database:", result.Stderr.Trim(), StringComparison.Ordinal);

        var help = await RunAsync(null, "--help");
        foreach (var word in new[] { "admin list", "admin grant <email>", "admin revoke <email>" })
        {
            Assert.Contains(word, help.Stdout, StringComparison.Ordinal);
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
