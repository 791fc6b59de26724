using System.Globalization;
using System.Text;
using FastEndpoints;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Providers.CalendarToken;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Providers.CalendarFeed;

public sealed class Endpoint(Db db, MarketplaceOptions options, TimeProvider clock) : Endpoint<Request>
{
    /// <summary>Statuses on the calendar: booked ones as confirmed, requests as tentative.</summary>
    private static readonly string[] Shown = ["requested", "paid", "in_progress"];

    public override void Configure()
    {
        Get("providers/me/calendar.ics");
        AllowAnonymous();
        Description(d => d.ClearDefaultProduces(200).Produces(200, typeof(string), "text/calendar").ProducesProblemDetails(400).ProducesProblemDetails(404));
        Summary(s =>
        {
            s.Summary = "The provider's booked slots as an iCalendar feed";
            s.Description = "RFC 5545 feed for calendar apps, authenticated by the token in the URL (POST /providers/me/calendar-token): "
                + "paid and in-progress bookings with a start time as CONFIRMED events, requests as TENTATIVE, from 30 days ago on. "
                + "404 not_found for an unknown or rotated token.";
            s.Responses[200] = "text/calendar";
        });
    }

    public override async Task HandleAsync(Request r, CancellationToken ct)
    {
        var hash = CalendarTokens.Hash(r.Token!);
        var provider = await db.Providers.Where(p => p.CalendarTokenHash == hash && p.DeletedAt == null)
            .Select(p => new { p.Id, p.BusinessName }).FirstOrDefaultAsync(ct) ?? throw ApiProblem.NotFound("calendar");
        var now = clock.GetUtcNow().UtcDateTime;
        var since = now.AddDays(-30);
        var bookings = await db.Transactions
            .Where(t => t.ProviderId == provider.Id && Shown.Contains(t.Status) && t.RequestedStartAt != null && t.RequestedStartAt >= since)
            .OrderBy(t => t.RequestedStartAt).Take(2000)
            .Select(t => new { t.Id, t.Status, t.ServiceDescription, Start = t.RequestedStartAt!.Value, t.RequestedEndAt })
            .ToListAsync(ct);

        var ics = new StringBuilder();
        Line(ics, "BEGIN:VCALENDAR");
        Line(ics, "VERSION:2.0");
        Line(ics, "PRODID:-//Marketplace//Bookings//EN");
        Line(ics, "CALSCALE:GREGORIAN");
        Line(ics, "METHOD:PUBLISH");
        Line(ics, "X-WR-CALNAME:" + Escape(provider.BusinessName + " bookings"));
        foreach (var b in bookings)
        {
            Line(ics, "BEGIN:VEVENT");
            Line(ics, $"UID:transaction-{b.Id}@marketplace");
            Line(ics, "DTSTAMP:" + Stamp(now));
            Line(ics, "DTSTART:" + Stamp(b.Start));
            Line(ics, "DTEND:" + Stamp(b.RequestedEndAt ?? b.Start.AddHours(1)));
            Line(ics, "SUMMARY:" + Escape(b.ServiceDescription));
            Line(ics, "STATUS:" + (b.Status == "requested" ? "TENTATIVE" : "CONFIRMED"));
            Line(ics, "URL:" + $"{options.PublicBaseUrl.TrimEnd('/')}/transactions/{b.Id}");
            Line(ics, "END:VEVENT");
        }
        Line(ics, "END:VCALENDAR");
        HttpContext.Response.Headers.CacheControl = "private, max-age=300";
        await Send.StringAsync(ics.ToString(), 200, "text/calendar; charset=utf-8", ct);
    }

    private static string Stamp(DateTime utc) => utc.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>RFC 5545 3.3.11 TEXT: backslash, semicolon, comma and newlines escaped.</summary>
    private static string Escape(string text) =>
        text.Replace("\\", "\\\\").Replace(";", "\\;").Replace(",", "\\,").Replace("\r\n", "\\n").Replace("\n", "\\n").Replace("\r", "");

    /// <summary>RFC 5545 3.1: CRLF line ends, lines folded at 75 octets (a continuation starts with a space).</summary>
    private static void Line(StringBuilder ics, string line)
    {
        var bytes = 0;
        var start = 0;
        for (var i = 0; i < line.Length;)
        {
            var width = char.IsHighSurrogate(line[i]) && i + 1 < line.Length ? 2 : 1;
            var size = Encoding.UTF8.GetByteCount(line.AsSpan(i, width));
            if (bytes + size > (start == 0 ? 75 : 74))
            {
                ics.Append(line, start, i - start).Append("\r\n ");
                start = i;
                bytes = 0;
            }
            bytes += size;
            i += width;
        }
        ics.Append(line, start, line.Length - start).Append("\r\n");
    }
}
