using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Marketplace.Api.Infrastructure;

/// <summary>
/// What an operator reads when the API cannot start because of its settings: one line per bad
/// setting on stderr, naming the key, its environment variable and the fix, and exit code 1;
/// not an unhandled exception's stack and a SIGABRT (134). Anything else is a bug and keeps its stack.
/// </summary>
public static partial class StartupErrors
{
    /// <summary>The lines to print for a start-up failure caused by configuration, or null for anything else.</summary>
    public static IReadOnlyList<string>? Describe(Exception exception)
    {
        var lines = new List<string>();
        foreach (var error in Flatten(exception))
        {
            switch (error)
            {
                case OptionsValidationException invalid:
                    lines.AddRange(invalid.Failures.Select(WithVariable));
                    break;
                case InvalidOperationException { Message: var m } when ConversionFailure().Match(m) is { Success: true } match:
                    // the binder's "Failed to convert configuration value 'abc' at 'Marketplace:Fees:PlatformFeeBps' to type 'System.Int32'."
                    lines.Add(WithVariable($"{match.Groups["key"].Value} is '{match.Groups["value"].Value}', which is not a valid {FriendlyType(match.Groups["type"].Value)}."));
                    break;
                case InvalidOperationException { Message: var m } when m.StartsWith("ConnectionStrings:", StringComparison.Ordinal) || m.StartsWith(MarketplaceOptions.Section + ":", StringComparison.Ordinal):
                    lines.Add(WithVariable(m));
                    break;
                case Npgsql.NpgsqlException database when !lines.Any(l => l.StartsWith("database error", StringComparison.Ordinal)):
                    // only migrate-on-start-up talks to the database before the API serves
                    lines.Add($"database error while migrating at start-up: {database.Message.ReplaceLineEndings(" ").Trim()} "
                        + "(check ConnectionStrings__Marketplace, or migrate with the CLI and unset Marketplace__Database__MigrateOnStartup)");
                    break;
                case TimeoutException { Message: var m } when m.Contains("migration lock", StringComparison.Ordinal):
                    lines.Add(m);
                    break;
                case IOException { Message: var m } when m.Contains("address already in use", StringComparison.OrdinalIgnoreCase):
                    lines.Add($"{m.TrimEnd('.')}: another program listens there; stop it, or choose another address with ASPNETCORE_URLS (or --urls).");
                    break;
            }
        }
        return lines.Count > 0 ? lines : null;
    }

    private static IEnumerable<Exception> Flatten(Exception exception)
    {
        yield return exception;
        var inner = exception is AggregateException aggregate ? aggregate.InnerExceptions : exception.InnerException is { } one ? [one] : [];
        foreach (var e in inner.SelectMany(Flatten))
        {
            yield return e;
        }
    }

    /// <summary>Adds the environment variable of the first key the message names: what an operator of a container sets.</summary>
    private static string WithVariable(string message)
    {
        var key = SettingKey().Match(message);
        var line = message.ReplaceLineEndings(" ").Trim();
        if (!key.Success)
        {
            return line;
        }
        var variable = key.Value.Replace(":", "__", StringComparison.Ordinal);
        return line.Contains(variable, StringComparison.Ordinal) ? line : $"{line} (environment variable {variable})";
    }

    private static string FriendlyType(string type) => type switch
    {
        "System.Int32" or "System.Int64" => "whole number",
        "System.Boolean" => "boolean (true or false)",
        _ => type.Replace("System.", "", StringComparison.Ordinal),
    };

    [GeneratedRegex(@"(?:ConnectionStrings|Marketplace)(?::[A-Za-z0-9_]+)+")]
    private static partial Regex SettingKey();

    [GeneratedRegex(@"Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex ConversionFailure();
}
