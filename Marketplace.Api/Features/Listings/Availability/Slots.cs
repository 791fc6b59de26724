namespace Marketplace.Api.Features.Listings.Availability;

/// <summary>One weekly opening period, local time of the provider's time zone ("mon", "09:00", "17:00"; end may be "24:00").</summary>
public sealed record WeeklyPeriod(string Day, string Start, string End);

/// <summary>A listing's availability plan (see <see cref="Slots"/> for how it becomes slots).</summary>
public sealed record Plan(IReadOnlyList<WeeklyPeriod> Weekly, int SlotMinutes, int BufferMinutes, int Seats, int MinNoticeHours, int MaxAdvanceDays);

/// <summary>An override of the plan over [Start, End) (UTC): 0 seats closes it, more opens it with that capacity.</summary>
public sealed record PlanException(DateTime Start, DateTime End, int Seats);

/// <summary>A booking that takes one seat over [Start, End) (UTC).</summary>
public sealed record Hold(DateTime Start, DateTime End);

/// <summary>A slot (UTC) with the seats it still has.</summary>
public sealed record Slot(DateTime Start, DateTime End, int Capacity, int SeatsLeft);

/// <summary>
/// The slot rule, as one pure function (no clock, no database), so the timeslots read, the
/// booking check and the browse filter all answer the same:
/// <list type="number">
/// <item>each weekly period of each local date is cut, from its local start, into slots of
/// <c>slotMinutes</c> spaced <c>bufferMinutes</c> apart, while a whole slot fits before the
/// period's local end. Local times become UTC in the provider's zone, so 09:00-17:00 stays
/// 09:00-17:00 local on both sides of a DST change (a start inside the spring-forward gap moves
/// to the first valid minute; an ambiguous autumn time takes its first, daylight, occurrence);</item>
/// <item>a plan slot that overlaps any exception is dropped; an exception with seats &gt; 0 is cut
/// into slots of its own the same way, with its seats as capacity;</item>
/// <item>a slot starts no sooner than <c>minNoticeHours</c> from now and no later than
/// <c>maxAdvanceDays</c> from now;</item>
/// <item>each hold overlapping the slot widened by the buffer on both sides takes one seat.</item>
/// </list>
/// Slots are returned when their start lies in [from, to), in start order.
/// </summary>
public static class Slots
{
    public static readonly string[] Days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

    public static IReadOnlyList<Slot> Compute(Plan plan, TimeZoneInfo zone, IReadOnlyCollection<PlanException> exceptions,
        IReadOnlyCollection<Hold> holds, DateTime fromUtc, DateTime toUtc, DateTime nowUtc)
    {
        var earliest = nowUtc.AddHours(plan.MinNoticeHours);
        var latest = nowUtc.AddDays(plan.MaxAdvanceDays);
        var step = TimeSpan.FromMinutes(plan.SlotMinutes + plan.BufferMinutes);
        var length = TimeSpan.FromMinutes(plan.SlotMinutes);
        var candidates = new List<(DateTime Start, DateTime End, int Capacity)>();

        var firstDate = DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(fromUtc, zone)).AddDays(-1);
        var lastDate = DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(toUtc, zone)).AddDays(1);
        for (var date = firstDate; date <= lastDate; date = date.AddDays(1))
        {
            var day = Days[((int)date.DayOfWeek + 6) % 7];
            foreach (var period in plan.Weekly.Where(p => p.Day == day))
            {
                var start = ToUtc(date, Minutes(period.Start), zone);
                var end = ToUtc(date, Minutes(period.End), zone);
                foreach (var (s, e) in Cut(start, end, length, step))
                {
                    if (!exceptions.Any(x => x.Start < e && x.End > s))
                    {
                        candidates.Add((s, e, plan.Seats));
                    }
                }
            }
        }
        foreach (var open in exceptions.Where(x => x.Seats > 0))
        {
            candidates.AddRange(Cut(open.Start, open.End, length, step).Select(c => (c.Start, c.End, open.Seats)));
        }

        var buffer = TimeSpan.FromMinutes(plan.BufferMinutes);
        return candidates
            .Where(c => c.Start >= fromUtc && c.Start < toUtc && c.Start >= earliest && c.Start <= latest)
            .DistinctBy(c => (c.Start, c.End))
            .OrderBy(c => c.Start)
            .Select(c =>
            {
                var taken = holds.Count(h => h.Start < c.End + buffer && h.End > c.Start - buffer);
                return new Slot(c.Start, c.End, c.Capacity, Math.Max(0, c.Capacity - taken));
            })
            .ToList();
    }

    private static IEnumerable<(DateTime Start, DateTime End)> Cut(DateTime start, DateTime end, TimeSpan length, TimeSpan step)
    {
        for (var s = start; s + length <= end; s += step)
        {
            yield return (s, s + length);
        }
    }

    /// <summary>Minutes after midnight of "HH:mm" (00:00 to 24:00), or null when it is not such a time.</summary>
    public static int? TryMinutes(string? time)
    {
        if (time is not { Length: 5 } || time[2] != ':' || !int.TryParse(time.AsSpan(0, 2), out var h) || !int.TryParse(time.AsSpan(3, 2), out var m)
            || !char.IsAsciiDigit(time[0]) || !char.IsAsciiDigit(time[3]))
        {
            return null;
        }
        return (h < 24 && m < 60) || (h == 24 && m == 0) ? h * 60 + m : null;
    }

    private static int Minutes(string time) => TryMinutes(time) ?? throw new ArgumentException($"not a time: {time}", nameof(time));

    /// <summary>A local wall-clock time of the zone as UTC: a time in the spring-forward gap moves past the gap; an ambiguous time takes its earlier instant.</summary>
    public static DateTime ToUtc(DateOnly date, int minutes, TimeZoneInfo zone)
    {
        var local = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified).AddMinutes(minutes);
        if (zone.IsInvalidTime(local))
        {
            // the wall clock skips this time: the instant is the one the skipped hour would have had with the offset before the gap
            var before = zone.GetUtcOffset(local.AddHours(-3));
            return DateTime.SpecifyKind(local - before, DateTimeKind.Utc);
        }
        if (zone.IsAmbiguousTime(local))
        {
            var offsets = zone.GetAmbiguousTimeOffsets(local);
            return DateTime.SpecifyKind(local - offsets.Max(), DateTimeKind.Utc);
        }
        return TimeZoneInfo.ConvertTimeToUtc(local, zone);
    }
}
