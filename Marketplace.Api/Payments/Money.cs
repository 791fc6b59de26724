using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Payments;

/// <summary>The price breakdown stored on a transaction (DESIGN.md, money rules).</summary>
public sealed record PriceBreakdown(
    long ServicePriceCents,
    long PlatformFeeCents,
    long TaxCents,
    decimal TaxRate,
    long TotalCents,
    long ProviderPayoutCents);

/// <summary>
/// All money arithmetic, in integer minor units (DESIGN.md, money rules):
/// <c>platformFee = round_half_up(price * bps / 10000)</c>, at least the minimum and at most the price;
/// <c>tax = round_half_up(price * taxRate)</c>; <c>total = price + tax</c>; <c>payout = total - platformFee</c>.
/// A refund gives back the platform fee in proportion (Stripe's refund_application_fee).
/// </summary>
public static class Money
{
    /// <summary>Largest price accepted anywhere (10 million in major units): keeps every product far from overflow.</summary>
    public const long MaxPriceCents = 1_000_000_000;

    /// <summary>Tax rates carry at most four decimals (numeric(5,4)).</summary>
    public const int TaxRateScale = 10_000;

    public static PriceBreakdown Breakdown(long servicePriceCents, decimal taxRate, int platformFeeBps, long minimumPlatformFeeCents)
    {
        var fee = PlatformFee(servicePriceCents, platformFeeBps, minimumPlatformFeeCents);
        var tax = Tax(servicePriceCents, taxRate);
        var total = servicePriceCents + tax;
        return new PriceBreakdown(servicePriceCents, fee, tax, taxRate, total, total - fee);
    }

    public static long PlatformFee(long servicePriceCents, int platformFeeBps, long minimumPlatformFeeCents)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(servicePriceCents);
        ArgumentOutOfRangeException.ThrowIfNegative(platformFeeBps);
        var fee = DivideRoundHalfUp((Int128)servicePriceCents * platformFeeBps, 10_000);
        return Math.Min(servicePriceCents, Math.Max(minimumPlatformFeeCents, fee));
    }

    public static long Tax(long servicePriceCents, decimal taxRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(servicePriceCents);
        if (!IsValidTaxRate(taxRate))
        {
            throw new ArgumentOutOfRangeException(nameof(taxRate), taxRate, "A tax rate is between 0 and 1 with at most four decimals.");
        }
        return DivideRoundHalfUp((Int128)servicePriceCents * (long)(taxRate * TaxRateScale), TaxRateScale);
    }

    /// <summary>Between 0 and 1 with at most four decimals (the column is numeric(5,4)).</summary>
    public static bool IsValidTaxRate(decimal taxRate) =>
        taxRate is >= 0m and <= 1m && decimal.Round(taxRate, 4) == taxRate;

    /// <summary>
    /// The part of the platform fee given back when <paramref name="refundedCents"/> of
    /// <paramref name="totalCents"/> have been refunded in all: round_half_up(fee * refunded / total),
    /// never more than the fee. Cumulative, so partial refunds never add up rounding errors.
    /// </summary>
    public static long PlatformFeeRefunded(long platformFeeCents, long totalCents, long refundedCents)
    {
        if (totalCents <= 0 || refundedCents <= 0)
        {
            return 0;
        }
        var refunded = Math.Min(refundedCents, totalCents);
        return Math.Min(platformFeeCents, DivideRoundHalfUp((Int128)platformFeeCents * refunded, totalCents));
    }

    /// <summary>
    /// What the provider keeps of a paid transaction after refunds: what the client paid net of
    /// refunds, less the platform fee net of its refunded part.
    /// </summary>
    public static long NetPayout(long totalCents, long platformFeeCents, long refundedCents) =>
        totalCents - refundedCents - (platformFeeCents - PlatformFeeRefunded(platformFeeCents, totalCents, refundedCents));

    /// <summary>round_half_up(numerator / denominator) for a non-negative numerator and positive denominator.</summary>
    public static long DivideRoundHalfUp(Int128 numerator, long denominator)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(numerator);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(denominator);
        return (long)((2 * numerator + denominator) / (2 * (Int128)denominator));
    }
}
