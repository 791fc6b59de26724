using System.Globalization;
using System.Text.Json;
using FluentValidation;

namespace Marketplace.Api.Features.Providers;

/// <summary>One opening period of a day, local time of the provider's time zone ("09:00" to "17:30").</summary>
public sealed record OpeningPeriod(string Open, string Close);

/// <summary>
/// Business hours: days (mon, tue, wed, thu, fri, sat, sun) mapped to their opening periods, in
/// the provider's time zone; a day that is absent or empty is closed. Stored as jsonb.
/// </summary>
public static class BusinessHours
{
    public static readonly string[] Days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    private const int MaxPeriodsPerDay = 6;

    public static string? ToJson(IReadOnlyDictionary<string, OpeningPeriod[]>? hours) =>
        hours is null ? null : JsonSerializer.Serialize(
            Days.Where(hours.ContainsKey).ToDictionary(d => d, d => hours[d]), JsonSerializerOptions.Web);

    public static IReadOnlyDictionary<string, OpeningPeriod[]>? FromJson(string? json) =>
        json is null ? null : JsonSerializer.Deserialize<Dictionary<string, OpeningPeriod[]>>(json, JsonSerializerOptions.Web);

    /// <summary>Why these hours are invalid, or null when they are valid.</summary>
    public static string? Problem(IReadOnlyDictionary<string, OpeningPeriod[]> hours)
    {
        foreach (var (day, periods) in hours)
        {
            if (!Days.Contains(day, StringComparer.Ordinal))
            {
                return $"'{day}' is not a day; use {string.Join(", ", Days)}.";
            }
            if (periods is null)
            {
                return $"{day}: give a list of periods (empty when closed).";
            }
            if (periods.Length > MaxPeriodsPerDay)
            {
                return $"{day}: at most {MaxPeriodsPerDay} periods a day.";
            }
            var parsed = new List<(int Open, int Close)>();
            foreach (var period in periods)
            {
                if (period is null || Minutes(period.Open, allowMidnightEnd: false) is not { } open || Minutes(period.Close, allowMidnightEnd: true) is not { } close)
                {
                    return $"{day}: open and close are times as HH:mm (00:00 to 24:00).";
                }
                if (open >= close)
                {
                    return $"{day}: each period opens before it closes ({period.Open} - {period.Close}).";
                }
                parsed.Add((open, close));
            }
            var ordered = parsed.OrderBy(p => p.Open).ToList();
            for (var i = 1; i < ordered.Count; i++)
            {
                if (ordered[i].Open < ordered[i - 1].Close)
                {
                    return $"{day}: periods overlap.";
                }
            }
        }
        return null;
    }

    private static int? Minutes(string? time, bool allowMidnightEnd)
    {
        if (time is null)
        {
            return null;
        }
        if (allowMidnightEnd && time == "24:00")
        {
            return 24 * 60;
        }
        return time.Length == 5 && TimeOnly.TryParseExact(time, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)
            ? t.Hour * 60 + t.Minute
            : null;
    }

    /// <summary>A real IANA time zone id ("America/Chicago"); Windows names are refused.</summary>
    public static bool IsIanaTimeZone(string? id) =>
        id is not null && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) && zone.HasIanaId;

    public static IRuleBuilderOptions<T, IReadOnlyDictionary<string, OpeningPeriod[]>?> ValidBusinessHours<T>(
        this IRuleBuilder<T, IReadOnlyDictionary<string, OpeningPeriod[]>?> rule) =>
        rule.Must(hours => hours is null || Problem(hours) is null)
            .WithMessage((_, hours) => "businessHours: " + Problem(hours!));

    public static IRuleBuilderOptions<T, string?> IanaTimeZone<T>(this IRuleBuilder<T, string?> rule) =>
        rule.MaximumLength(64)
            .Must(id => id is null || IsIanaTimeZone(id))
            .WithMessage("{PropertyName} must be an IANA time zone id such as America/New_York.");
}
