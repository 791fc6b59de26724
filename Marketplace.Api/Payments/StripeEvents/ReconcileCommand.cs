using System.Globalization;

namespace Marketplace.Api.Payments.StripeEvents;

/// <summary>
/// The operators' command <c>Marketplace.Api stripe reconcile [--since &lt;ISO time&gt;]</c>: the API
/// executable runs one reconciliation with its own configuration and services, prints the report
/// and exits (README: reconciliation). It lives in the API because the handler does: the
/// migrations CLI does not reference the API (the API references it). Exit codes: 0 done, every
/// listed event applied or recorded before; 1 some events could not be applied (the next run
/// retries them); 2 usage (bad arguments); 3 another instance is reconciling now; 4 Stripe not
/// configured or unreachable, or the database unavailable.
/// </summary>
public static class ReconcileCommand
{
    public static bool Matches(string[] args) => args is ["stripe", "reconcile", ..];

    /// <summary>The arguments the web host may see: none of the command's own.</summary>
    public static string[] HostArgs(string[] args) => Matches(args) ? [] : args;

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter output, TextWriter error)
    {
        DateTime? since = null;
        var rest = args[2..];
        if (rest is ["--since", var value])
        {
            if (!DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                await error.WriteLineAsync($"--since: not an ISO 8601 time: {value}");
                return 2;
            }
            since = parsed.UtcDateTime;
        }
        else if (rest.Length > 0)
        {
            await error.WriteLineAsync("usage: Marketplace.Api stripe reconcile [--since <ISO 8601 time, e.g. 2026-11-20T00:00:00Z>]");
            return 2;
        }

        await using var scope = services.CreateAsyncScope();
        var clock = scope.ServiceProvider.GetRequiredService<TimeProvider>();
        if (since is { } s && s < clock.GetUtcNow().UtcDateTime - Reconciliation.StripeRetention)
        {
            await error.WriteLineAsync($"warning: Stripe lists events of the last 30 days only; events before {clock.GetUtcNow().UtcDateTime - Reconciliation.StripeRetention:O} cannot be caught up");
        }
        try
        {
            var report = await scope.ServiceProvider.GetRequiredService<ReconciliationRunner>().RunAsync(since, CancellationToken.None);
            if (!report.Ran)
            {
                await error.WriteLineAsync("another instance is reconciling now; try again later");
                return 3;
            }
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"since {report.Since:O}: listed {report.Listed}, applied {report.Applied}, already recorded {report.AlreadyRecorded}, failed {report.Failed}, transfer reversals {report.TransferReversals}, mark {report.Mark:O}"));
            foreach (var id in report.AppliedEventIds)
            {
                await output.WriteLineAsync($"applied {id}");
            }
            return report.Failed > 0 ? 1 : 0;
        }
        catch (Exception e) when (e is global::Stripe.StripeException or HttpRequestException or Infrastructure.ApiProblem || Infrastructure.DbFaults.IsUnavailable(e))
        {
            await error.WriteLineAsync($"reconciliation failed: {e.Message}");
            return 4;
        }
    }
}
