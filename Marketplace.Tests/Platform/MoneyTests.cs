using Marketplace.Api.Infrastructure;
using Marketplace.Api.Payments;

namespace Marketplace.Tests.Platform;

/// <summary>DESIGN.md's money rules, case by case and as properties over many random prices.</summary>
public sealed class MoneyTests
{
    [Theory]
    [InlineData(5000, 1000, 0, 500)]        // 10 %
    [InlineData(12345, 1000, 0, 1235)]      // 1234.5 rounds half up
    [InlineData(12344, 1000, 0, 1234)]      // 1234.4 rounds down
    [InlineData(5, 1000, 0, 1)]             // 0.5 rounds up
    [InlineData(4, 1000, 0, 0)]             // 0.4 rounds down
    [InlineData(1000, 1000, 300, 300)]      // the minimum applies
    [InlineData(200, 1000, 300, 200)]       // ... but never more than the price
    [InlineData(0, 1000, 300, 0)]           // nothing priced, nothing charged
    [InlineData(999_999_999, 10000, 0, 999_999_999)] // 100 %
    [InlineData(7, 0, 0, 0)]                // no commission
    [InlineData(1_000_000_000, 333, 0, 33_300_000)]
    public void The_platform_fee_is_rounded_half_up_with_its_minimum_and_at_most_the_price(long price, int bps, long minimum, long expected) =>
        Assert.Equal(expected, Money.PlatformFee(price, bps, minimum));

    [Theory]
    [InlineData(12345, "0.0825", 1018)]     // 1018.4625
    [InlineData(1000, "0.0825", 83)]        // 82.5 rounds up
    [InlineData(1000, "0", 0)]
    [InlineData(1000, "1", 1000)]
    [InlineData(1, "0.5", 1)]               // 0.5 rounds up
    [InlineData(1, "0.4999", 0)]
    [InlineData(1_000_000_000, "0.0001", 100_000)]
    public void Tax_is_rounded_half_up(long price, string rate, long expected) =>
        Assert.Equal(expected, Money.Tax(price, decimal.Parse(rate, System.Globalization.CultureInfo.InvariantCulture)));

    [Theory]
    [InlineData("-0.01")]
    [InlineData("1.0001")]
    [InlineData("0.00001")]
    public void A_tax_rate_outside_0_to_1_or_finer_than_four_decimals_is_refused(string rate)
    {
        var value = decimal.Parse(rate, System.Globalization.CultureInfo.InvariantCulture);
        Assert.False(Money.IsValidTaxRate(value));
        Assert.Throws<ArgumentOutOfRangeException>(() => Money.Tax(100, value));
    }

    [Fact]
    public void The_breakdown_follows_the_formulas()
    {
        var b = Money.Breakdown(12345, 0.0825m, 1000, 0);
        Assert.Equal(new PriceBreakdown(12345, 1235, 1018, 0.0825m, 13363, 12128), b);
    }

    [Theory]
    [InlineData(500, 5000, 0, 0)]
    [InlineData(500, 5000, 5000, 500)]      // all of it back on a full refund
    [InlineData(500, 5000, 2500, 250)]
    [InlineData(500, 5000, 1, 0)]           // 0.1 rounds down
    [InlineData(500, 5000, 5, 1)]           // 0.5 rounds up
    [InlineData(1235, 13363, 1000, 92)]     // 92.41...
    [InlineData(500, 0, 0, 0)]
    public void The_platform_fee_comes_back_in_proportion_to_the_amount_refunded(long fee, long total, long refunded, long expected) =>
        Assert.Equal(expected, Money.PlatformFeeRefunded(fee, total, refunded));

    /// <summary>Properties over 20,000 random prices, tax rates, fee settings and refunds (seeded: reproducible).</summary>
    [Fact]
    public void The_money_invariants_hold_for_any_price()
    {
        var random = new Random(20261124);
        for (var i = 0; i < 20_000; i++)
        {
            var price = i % 10 == 0 ? random.NextInt64(0, 100) : random.NextInt64(0, Money.MaxPriceCents + 1);
            var rate = random.Next(0, Money.TaxRateScale + 1) / (decimal)Money.TaxRateScale;
            var bps = random.Next(0, 10_001);
            var minimum = random.NextInt64(0, 1000);
            var b = Money.Breakdown(price, rate, bps, minimum);

            Assert.Equal(b.ServicePriceCents + b.TaxCents, b.TotalCents);
            Assert.Equal(b.TotalCents - b.PlatformFeeCents, b.ProviderPayoutCents);
            Assert.InRange(b.PlatformFeeCents, 0, price);
            Assert.True(b.PlatformFeeCents >= Math.Min(minimum, price));
            Assert.InRange(b.TaxCents, 0, price);
            // round half up: within half a cent of the exact value, and .5 goes up
            var exactFee = price * (decimal)bps / 10_000m;
            if (b.PlatformFeeCents > minimum && b.PlatformFeeCents < price)
            {
                Assert.Equal(decimal.Floor(exactFee + 0.5m), b.PlatformFeeCents);
            }
            Assert.Equal(decimal.Floor(price * rate + 0.5m), b.TaxCents);

            // refunds: the fee given back grows with the refund, never beyond the fee; payout never negative
            var r1 = random.NextInt64(0, b.TotalCents + 1);
            var r2 = random.NextInt64(r1, b.TotalCents + 1);
            var f1 = Money.PlatformFeeRefunded(b.PlatformFeeCents, b.TotalCents, r1);
            var f2 = Money.PlatformFeeRefunded(b.PlatformFeeCents, b.TotalCents, r2);
            Assert.InRange(f1, 0, f2);
            Assert.InRange(f2, 0, b.PlatformFeeCents);
            Assert.InRange(Money.NetPayout(b.TotalCents, b.PlatformFeeCents, r2), 0, Money.NetPayout(b.TotalCents, b.PlatformFeeCents, r1));
            Assert.Equal(0, Money.NetPayout(b.TotalCents, b.PlatformFeeCents, b.TotalCents));
            Assert.Equal(b.ProviderPayoutCents, Money.NetPayout(b.TotalCents, b.PlatformFeeCents, 0));
        }
    }
}
