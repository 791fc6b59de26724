using FluentMigrator.Runner;
using Marketplace.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

return Cli.Run(args, Console.Out, Console.Error);

/// <summary>The operators' command line: dotnet run --project Marketplace.Migrations -- &lt;command&gt;.</summary>
internal static class Cli
{
    private static readonly string Usage = $"""
        Marketplace database migrations (FluentMigrator, schema "marketplace").

        Usage: dotnet run --project Marketplace.Migrations -- <command> [arguments] [options]

        Commands:
          up [version]       apply pending migrations, all of them or up to and including <version>
          down <version>     revert every migration newer than <version> (0 reverts all)
          rollback [steps]   revert the last <steps> applied migrations (default 1)
          list               show every migration, applied or pending, with its description
        {AdminCommands.Usage}

        Options:
          --connection <cs>  PostgreSQL connection string
                             (default: environment variable ConnectionStrings__Marketplace)
          --preview          print the SQL that would run, change nothing
          --help             show this text

        Commands that change the schema first take the migration lock (pg_advisory_lock
        5569638055092376148), so a run beside an API instance migrating at start-up waits for it.

        Exit codes: 0 success, 1 bad usage, 2 the database could not be reached or a migration failed.
        """;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var positional = new List<string>();
        string? connection = null;
        var preview = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--help" or "-h" or "help":
                    stdout.WriteLine(Usage);
                    return 0;
                case "--preview":
                    preview = true;
                    break;
                case "--connection" when i + 1 < args.Length:
                    connection = args[++i];
                    break;
                case "--connection":
                    return Fail(stderr, 1, "--connection needs a value");
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal))
                    {
                        return Fail(stderr, 1, $"unknown option '{args[i]}' (see --help)");
                    }
                    positional.Add(args[i]);
                    break;
            }
        }

        if (positional.Count == 0)
        {
            stdout.WriteLine(Usage);
            return 1;
        }

        connection ??= Environment.GetEnvironmentVariable("ConnectionStrings__Marketplace");
        if (string.IsNullOrWhiteSpace(connection))
        {
            return Fail(stderr, 1, "no connection string: pass --connection or set ConnectionStrings__Marketplace");
        }

        var command = positional[0];
        var rest = positional.Skip(1).ToArray();
        if (command == "admin")
        {
            return preview ? Fail(stderr, 1, "--preview applies to migrations only") : AdminCommands.Run(rest, connection, stdout, stderr);
        }
        if (command is not ("up" or "down" or "rollback" or "list"))
        {
            return Fail(stderr, 1, $"unknown command '{command}' (expected up, down, rollback or list; see --help)");
        }
        if (rest.Length > 1 || (command == "list" && rest.Length > 0))
        {
            return Fail(stderr, 1, $"too many arguments for '{command}' (see --help)");
        }

        long? number = null;
        if (rest.Length == 1)
        {
            if (!long.TryParse(rest[0], out var parsed) || parsed < 0)
            {
                return Fail(stderr, 1, $"'{rest[0]}' is not a valid {(command == "rollback" ? "step count" : "version")}");
            }
            number = parsed;
        }
        if (command == "down" && number is null)
        {
            return Fail(stderr, 1, "down needs a target version (0 reverts everything)");
        }

        try
        {
            using (var probe = new NpgsqlConnection(connection))
            {
                probe.Open();
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or ArgumentException or InvalidOperationException)
        {
            return Fail(stderr, 2, $"cannot reach the database: {OneLine(ex.Message)}");
        }

        try
        {
            // every command that changes the schema waits for a run of another instance to finish
            using var migrationLock = command == "list" || preview ? null : MarketplaceMigrator.Lock(connection);
            using var services = MarketplaceMigrator.CreateServices(connection, preview, preview ? stdout : null);
            var runner = (MigrationRunner)services.GetRequiredService<IMigrationRunner>();
            var known = runner.MigrationLoader.LoadMigrations();
            var applied = runner.VersionLoader.VersionInfo;
            // a copy: the runner updates its version info as it goes
            var appliedBefore = known.Keys.Where(applied.HasAppliedMigration).ToHashSet();

            if (number is { } version && command is "up" or "down" && version != 0 && !known.ContainsKey(version))
            {
                return Fail(stderr, 1, $"there is no migration with version {version} (see 'list')");
            }

            switch (command)
            {
                case "list":
                    foreach (var (v, info) in known)
                    {
                        stdout.WriteLine($"{v}  {(applied.HasAppliedMigration(v) ? "applied" : "pending"),-8} {info.Description}");
                    }
                    break;
                case "up":
                    if (number is { } target)
                    {
                        runner.MigrateUp(target);
                    }
                    else
                    {
                        runner.MigrateUp();
                    }
                    stdout.WriteLine(preview ? "preview only: nothing was changed" : Report(services, known.Keys, appliedBefore, "applied"));
                    break;
                case "down":
                    runner.MigrateDown(number!.Value);
                    stdout.WriteLine(preview ? "preview only: nothing was changed" : Report(services, known.Keys, appliedBefore, "reverted"));
                    break;
                case "rollback":
                    var steps = (int)(number ?? 1);
                    if (steps < 1)
                    {
                        return Fail(stderr, 1, "rollback needs at least 1 step");
                    }
                    var appliedCount = known.Keys.Count(applied.HasAppliedMigration);
                    if (steps > appliedCount)
                    {
                        return Fail(stderr, 1, $"cannot roll back {steps} migrations: only {appliedCount} are applied");
                    }
                    runner.Rollback(steps);
                    stdout.WriteLine(preview ? "preview only: nothing was changed" : Report(services, known.Keys, appliedBefore, "reverted"));
                    break;
            }
            return 0;
        }
        catch (Exception ex)
        {
            return Fail(stderr, 2, $"migration failed: {OneLine(ex.InnerException?.Message ?? ex.Message)}");
        }
    }

    /// <summary>"applied 18 migrations, now at version ...": what this run changed, from the version table before and after.</summary>
    private static string Report(IServiceProvider services, IEnumerable<long> known, HashSet<long> wasApplied, string verb)
    {
        var versions = known.ToArray();
        var loader = services.GetRequiredService<IVersionLoader>();
        loader.LoadVersionInfo();
        var after = loader.VersionInfo;
        var changed = versions.Count(v => wasApplied.Contains(v) != after.HasAppliedMigration(v));
        var latest = after.Latest();
        var now = latest == 0 ? "now at version 0 (nothing applied)" : $"now at version {latest}";
        return changed == 0
            ? $"nothing to do: {now[4..]}"
            : $"{verb} {changed} migration{(changed == 1 ? "" : "s")}, {now}";
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();

    private static int Fail(TextWriter stderr, int code, string message)
    {
        stderr.WriteLine($"error: {message}");
        return code;
    }
}
