using Marketplace.Api.Data;

namespace Marketplace.Api.Infrastructure.Email;

/// <summary>A mail to send: what a slice writes into the outbox.</summary>
/// <param name="Kind">What the mail is about (verify_email, password_reset, invoice_issued, ...), for operators.</param>
public sealed record OutgoingMail(string Kind, string To, string Subject, string TextBody, string? HtmlBody = null);

/// <summary>
/// Writes mails into the transactional outbox. Call it with the same <see cref="Db"/> (and inside
/// the same transaction) as the change that causes the mail, so a mail exists exactly when the
/// change was committed; the dispatcher sends it afterwards.
/// </summary>
public static class Outbox
{
    public static async Task EnqueueAsync(Db db, TimeProvider clock, OutgoingMail mail, CancellationToken ct) =>
        await Pg.ExecuteAsync(db, Insert([mail], clock.GetUtcNow().UtcDateTime), ct);

    /// <summary>The INSERT of these mails (one statement, due at once), for a caller writing them in its own batch.</summary>
    public static PgStatement Insert(IEnumerable<OutgoingMail> mails, DateTime at) => Pg.InsertRows(
        "INSERT INTO marketplace.email_outbox (kind, to_address, subject, text_body, html_body, created_at, available_at)",
        mails, m => [Pg.P(m.Kind), Pg.P(m.To), Pg.P(m.Subject.Length > 200 ? m.Subject[..200] : m.Subject), Pg.P(m.TextBody), Pg.P(m.HtmlBody),
            Pg.P(at), Pg.P(at)]);
}
