using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Features.Transactions;

/// <summary>What cancelling a booking now gives back (the cancellation-quote answer and what cancel refunds).</summary>
/// <param name="Policy">flexible | moderate | strict, or full (a provider's cancellation, a booking without a start time)</param>
/// <param name="RefundPercent">share of the amount paid given back</param>
/// <param name="RefundCents">the refund a cancellation now makes (0 when nothing is paid)</param>
/// <param name="PlatformFeeRefundCents">the part of the platform fee that refund gives back (proportional)</param>
/// <param name="NextStepAt">when the refund drops to the next step, or null when it will not drop</param>
/// <param name="NextStepPercent">the percent after that step</param>
public sealed record CancellationTerms(string Policy, int RefundPercent, long RefundCents, long PlatformFeeRefundCents, DateTime? NextStepAt, int? NextStepPercent);

/// <summary>
/// The cancellation policies (README "Cancellation policies"). The client's refund depends on how
/// long before the start the cancellation commits; every bound is inclusive ("at least 24 h before"
/// means start - now &gt;= 24 h):
/// <list type="bullet">
/// <item>flexible: 100 % at least 24 h before the start, 50 % after;</item>
/// <item>moderate: 100 % at least 5 days before, 50 % at least 24 h before, 0 after;</item>
/// <item>strict: 100 % within 48 h of booking when the start was at least 14 days after the booking,
/// 50 % at least 7 days before, 0 after.</item>
/// </list>
/// A provider's cancellation always gives back 100 %; so does a booking without a start time (the
/// rule before policies existed).
/// </summary>
public static class CancellationPolicies
{
    public static readonly string[] Names = ["flexible", "moderate", "strict"];
    public const string Full = "full";

    /// <summary>The refund percent of a client's cancellation at <paramref name="now"/>, and when (and to what) it next drops.</summary>
    public static (int Percent, DateTime? NextStepAt, int? NextStepPercent) ClientShare(string policy, DateTime bookedAt, DateTime startAt, DateTime now)
    {
        var steps = policy switch
        {
            "moderate" => new List<(DateTime Until, int Percent)> { (startAt.AddDays(-5), 100), (startAt.AddHours(-24), 50) },
            "strict" => StrictSteps(bookedAt, startAt),
            _ => [(startAt.AddHours(-24), 100)],
        };
        var last = policy == "flexible" || !Names.Contains(policy) ? 50 : 0;
        for (var i = 0; i < steps.Count; i++)
        {
            if (now <= steps[i].Until)
            {
                return (steps[i].Percent, steps[i].Until, i + 1 < steps.Count ? steps[i + 1].Percent : last);
            }
        }
        return (last, null, null);
    }

    private static List<(DateTime Until, int Percent)> StrictSteps(DateTime bookedAt, DateTime startAt)
    {
        var steps = new List<(DateTime Until, int Percent)>();
        if (startAt - bookedAt >= TimeSpan.FromDays(14))
        {
            steps.Add((bookedAt.AddHours(48), 100));
        }
        steps.Add((startAt.AddDays(-7), 50));
        return steps;
    }

    /// <summary>The terms of cancelling this booking now by this party, from its invoice's payments.</summary>
    public static CancellationTerms Terms(string role, string policy, TransactionRow t, InvoiceRow? invoice, DateTime now)
    {
        var (name, percent, nextAt, nextPercent) = role == PartyRole.Provider || t.RequestedStartAt is null
            ? (Full, 100, (DateTime?)null, (int?)null)
            : Share(policy, t, now);
        long paid = invoice?.PaidCents ?? 0, refunded = invoice?.RefundedCents ?? 0;
        var target = percent == 100 ? paid : Money.DivideRoundHalfUp((Int128)paid * percent, 100);
        var amount = Math.Clamp(target - refunded, 0, Math.Max(0, paid - refunded));
        var total = invoice?.TotalCents ?? t.TotalCents;
        var feeBack = Money.PlatformFeeRefunded(t.PlatformFeeCents, total, refunded + amount) - Money.PlatformFeeRefunded(t.PlatformFeeCents, total, refunded);
        return new CancellationTerms(name, percent, amount, feeBack, nextAt, nextPercent);
    }

    private static (string, int, DateTime?, int?) Share(string policy, TransactionRow t, DateTime now)
    {
        var (percent, nextAt, nextPercent) = ClientShare(policy, t.CreatedAt, t.RequestedStartAt!.Value, now);
        return (policy, percent, nextAt, nextPercent);
    }

    /// <summary>The policy of a booking: its listing's override, else its provider's.</summary>
    public static Task<string> PolicyOfAsync(Db db, TransactionRow t, CancellationToken ct) =>
        (from p in db.Providers
         from l in db.Listings.Where(l => l.Id == t.ListingId).DefaultIfEmpty()
         where p.Id == t.ProviderId
         select l.CancellationPolicy ?? p.CancellationPolicy)
        .FirstAsync(ct);
}
