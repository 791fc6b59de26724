using Marketplace.Api.Features.Transactions;

namespace Marketplace.Tests.Features.Transactions.CancellationQuote;

/// <summary>Each policy at each boundary, one second before and one second after.</summary>
public sealed class PolicyTests
{
    private static readonly DateTime Booked = new(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Start = Booked.AddDays(30);
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    public static TheoryData<string, DateTime, int> Cases => new()
    {
        // flexible: 100 % at least 24 h before, 50 % after
        { "flexible", Start.AddHours(-24) - Second, 100 },
        { "flexible", Start.AddHours(-24), 100 },
        { "flexible", Start.AddHours(-24) + Second, 50 },
        { "flexible", Start + Second, 50 },
        // moderate: 100 % at least 5 days before, 50 % at least 24 h before, 0 after
        { "moderate", Start.AddDays(-5) - Second, 100 },
        { "moderate", Start.AddDays(-5) + Second, 50 },
        { "moderate", Start.AddHours(-24) - Second, 50 },
        { "moderate", Start.AddHours(-24) + Second, 0 },
        // strict: 100 % within 48 h of booking (start at least 14 days away), 50 % at least 7 days before, 0 after
        { "strict", Booked.AddHours(48) - Second, 100 },
        { "strict", Booked.AddHours(48) + Second, 50 },
        { "strict", Start.AddDays(-7) - Second, 50 },
        { "strict", Start.AddDays(-7) + Second, 0 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_client_gets_back_the_share_of_the_step_in_force(string policy, DateTime now, int percent) =>
        Assert.Equal(percent, CancellationPolicies.ClientShare(policy, Booked, Start, now).Percent);

    [Theory]
    [InlineData(14, 100)]
    [InlineData(13, 50)]
    public void Strict_gives_everything_back_within_48_hours_only_when_the_start_is_at_least_14_days_away(int daysAway, int percent)
    {
        var start = Booked.AddDays(daysAway);
        Assert.Equal(percent, CancellationPolicies.ClientShare("strict", Booked, start, Booked.AddHours(1)).Percent);
    }

    [Theory]
    [InlineData(-1, 50)]
    [InlineData(0, 100)]
    [InlineData(1, 100)]
    public void Strict_needs_the_start_14_days_after_the_booking_to_the_second(int seconds, int percent)
    {
        var start = Booked.AddDays(14).AddSeconds(seconds);
        Assert.Equal(percent, CancellationPolicies.ClientShare("strict", Booked, start, Booked.AddHours(47)).Percent);
    }

    [Fact]
    public void The_quote_names_the_deadline_of_the_next_step_down()
    {
        var (percent, next, nextPercent) = CancellationPolicies.ClientShare("moderate", Booked, Start, Booked);
        Assert.Equal((100, Start.AddDays(-5), 50), (percent, next, nextPercent));
        Assert.Equal((0, (DateTime?)null, (int?)null), CancellationPolicies.ClientShare("moderate", Booked, Start, Start));
    }
}
