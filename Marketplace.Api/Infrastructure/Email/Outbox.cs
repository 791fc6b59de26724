using LinqToDB;
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
    public static Task EnqueueAsync(Db db, TimeProvider clock, OutgoingMail mail, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return db.InsertAsync(new OutboxMailRow
        {
            Kind = mail.Kind,
            ToAddress = mail.To,
            Subject = mail.Subject.Length > 200 ? mail.Subject[..200] : mail.Subject,
            TextBody = mail.TextBody,
            HtmlBody = mail.HtmlBody,
            CreatedAt = now,
            AvailableAt = now,
        }, token: ct);
    }
}
