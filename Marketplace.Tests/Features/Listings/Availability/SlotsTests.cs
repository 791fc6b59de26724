using Marketplace.Api.Features.Listings.Availability;

namespace Marketplace.Tests.Features.Listings.Availability;

/// <summary>The slot rule as a pure function, against a table of cases (plan, exceptions, buffers, notice, seats, DST, holds).</summary>
public sealed class SlotsTests
{
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    private static readonly TimeZoneInfo London = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");

    // long before every slot of the cases, so notice and advance limits do not cut them unless a case says so
    private static readonly DateTime Now = Utc("2026-01-01T00:00");

    private static DateTime Utc(string s) => DateTime.SpecifyKind(DateTime.Parse(s, System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Utc);

    private static Plan Week(string day, string start, string end, int slot = 60, int buffer = 0, int seats = 1, int notice = 0, int advance = 730) =>
        new([new WeeklyPeriod(day, start, end)], slot, buffer, seats, notice, advance);

    private static string[] Starts(IEnumerable<Slot> slots) => slots.Select(s => s.Start.ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    public static TheoryData<string, Plan, string, string, string, string[]> PlanCases => new()
    {
        // name, plan, zone, from, to, expected slot starts (UTC)
        { "a winter Monday morning in New York is 14:00-17:00 UTC", Week("mon", "09:00", "12:00"), "ny", "2026-11-30T00:00", "2026-12-01T00:00",
            ["2026-11-30T14:00", "2026-11-30T15:00", "2026-11-30T16:00"] },
        { "a buffer spaces the slots and a partial slot is dropped", Week("mon", "09:00", "12:00", slot: 60, buffer: 30), "ny", "2026-11-30T00:00", "2026-12-01T00:00",
            ["2026-11-30T14:00", "2026-11-30T15:30"] },
        { "09:00 local before spring-forward is 14:00 UTC", Week("fri", "09:00", "10:00"), "ny", "2026-03-06T00:00", "2026-03-07T00:00", ["2026-03-06T14:00"] },
        { "09:00 local after spring-forward is 13:00 UTC", Week("mon", "09:00", "10:00"), "ny", "2026-03-09T00:00", "2026-03-10T00:00", ["2026-03-09T13:00"] },
        { "a night spanning spring-forward has one hour less", Week("sun", "00:00", "06:00"), "ny", "2026-03-08T00:00", "2026-03-09T00:00",
            ["2026-03-08T05:00", "2026-03-08T06:00", "2026-03-08T07:00", "2026-03-08T08:00", "2026-03-08T09:00"] },
        { "a night spanning fall-back has one hour more", Week("sun", "00:00", "03:00"), "ny", "2026-11-01T00:00", "2026-11-02T00:00",
            ["2026-11-01T04:00", "2026-11-01T05:00", "2026-11-01T06:00", "2026-11-01T07:00"] },
        { "09:00 in London before the clocks go back is 08:00 UTC", Week("fri", "09:00", "10:00"), "london", "2026-10-23T00:00", "2026-10-24T00:00", ["2026-10-23T08:00"] },
        { "09:00 in London after the clocks go back is 09:00 UTC", Week("mon", "09:00", "10:00"), "london", "2026-10-26T00:00", "2026-10-27T00:00", ["2026-10-26T09:00"] },
        { "a period ending at 24:00 runs to local midnight", Week("tue", "22:00", "24:00"), "london", "2026-12-01T00:00", "2026-12-02T00:00",
            ["2026-12-01T22:00", "2026-12-01T23:00"] },
        { "only slots starting in the range are returned", Week("mon", "09:00", "12:00"), "ny", "2026-11-30T15:00", "2026-11-30T16:00", ["2026-11-30T15:00"] },
        { "minimum notice hides the slots too close to now", Week("mon", "09:00", "12:00", notice: 24), "ny", "2026-11-30T00:00", "2026-12-01T00:00", [] },
        { "the advance limit hides slots too far ahead", Week("mon", "09:00", "12:00", advance: 1), "ny", "2026-11-30T00:00", "2026-12-01T00:00", [] },
    };

    [Theory]
    [MemberData(nameof(PlanCases))]
    public void Slots_follow_the_plan(string name, Plan plan, string zone, string from, string to, string[] expected)
    {
        var now = name.Contains("notice", StringComparison.Ordinal) ? Utc("2026-11-29T20:00")
            : name.Contains("advance", StringComparison.Ordinal) ? Utc("2026-11-28T12:00")
            : Now;
        var slots = Slots.Compute(plan, zone == "ny" ? NewYork : London, [], [], Utc(from), Utc(to), now);
        Assert.Equal(expected, Starts(slots));
        Assert.All(slots, s => Assert.Equal(TimeSpan.FromMinutes(plan.SlotMinutes), s.End - s.Start));
    }

    [Fact]
    public void The_same_local_hours_hold_on_both_sides_of_a_DST_change()
    {
        var plan = new Plan(Slots.Days.Select(d => new WeeklyPeriod(d, "09:00", "17:00")).ToList(), 60, 0, 1, 0, 730);
        var slots = Slots.Compute(plan, NewYork, [], [], Utc("2026-03-05T00:00"), Utc("2026-03-12T00:00"), Now);
        foreach (var day in slots.GroupBy(s => TimeZoneInfo.ConvertTimeFromUtc(s.Start, NewYork).Date))
        {
            var local = day.Select(s => TimeZoneInfo.ConvertTimeFromUtc(s.Start, NewYork).TimeOfDay.TotalHours).ToArray();
            Assert.Equal([9, 10, 11, 12, 13, 14, 15, 16], local);
        }
        Assert.Equal(7, slots.GroupBy(s => TimeZoneInfo.ConvertTimeFromUtc(s.Start, NewYork).Date).Count());
    }

    [Fact]
    public void A_closed_exception_removes_the_plan_slots_it_touches()
    {
        var slots = Slots.Compute(Week("mon", "09:00", "12:00"), NewYork, [new PlanException(Utc("2026-11-30T14:30"), Utc("2026-11-30T15:30"), 0)], [],
            Utc("2026-11-30T00:00"), Utc("2026-12-01T00:00"), Now);
        Assert.Equal(["2026-11-30T16:00"], Starts(slots));
    }

    [Fact]
    public void An_open_exception_adds_slots_outside_the_plan_with_its_own_seats()
    {
        var slots = Slots.Compute(Week("mon", "09:00", "10:00"), NewYork, [new PlanException(Utc("2026-12-05T15:00"), Utc("2026-12-05T17:00"), 3)], [],
            Utc("2026-11-30T00:00"), Utc("2026-12-07T00:00"), Now);
        Assert.Equal(["2026-11-30T14:00", "2026-12-05T15:00", "2026-12-05T16:00"], Starts(slots));
        Assert.Equal([1, 3, 3], slots.Select(s => s.SeatsLeft).ToArray());
    }

    [Fact]
    public void Holds_take_seats_and_a_released_hold_gives_its_seat_back()
    {
        var plan = Week("mon", "09:00", "11:00", seats: 3);
        Hold[] holds = [new(Utc("2026-11-30T14:00"), Utc("2026-11-30T15:00")), new(Utc("2026-11-30T14:00"), Utc("2026-11-30T15:00"))];
        var slots = Slots.Compute(plan, NewYork, [], holds, Utc("2026-11-30T00:00"), Utc("2026-12-01T00:00"), Now);
        Assert.Equal([(1, 3), (3, 3)], slots.Select(s => (s.SeatsLeft, s.Capacity)).ToArray());

        var released = Slots.Compute(plan, NewYork, [], holds[..1], Utc("2026-11-30T00:00"), Utc("2026-12-01T00:00"), Now);
        Assert.Equal(2, released[0].SeatsLeft);
    }

    [Fact]
    public void A_hold_inside_the_buffer_of_a_slot_takes_its_seat_but_one_on_the_next_slot_does_not()
    {
        var plan = Week("mon", "09:00", "12:00", slot: 60, buffer: 30);
        // a booking made before the plan had buffers, ending 15 minutes into the gap after the first slot
        Hold[] holds = [new(Utc("2026-11-30T14:45"), Utc("2026-11-30T15:15"))];
        var slots = Slots.Compute(plan, NewYork, [], holds, Utc("2026-11-30T00:00"), Utc("2026-12-01T00:00"), Now);
        Assert.Equal([0, 0], slots.Select(s => s.SeatsLeft).ToArray());

        Hold[] onFirst = [new(Utc("2026-11-30T14:00"), Utc("2026-11-30T15:00"))];
        Assert.Equal([0, 1], Slots.Compute(plan, NewYork, [], onFirst, Utc("2026-11-30T00:00"), Utc("2026-12-01T00:00"), Now).Select(s => s.SeatsLeft).ToArray());
    }
}
