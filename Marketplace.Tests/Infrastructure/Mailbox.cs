using System.Text;
using System.Text.RegularExpressions;
using MimeKit;
using netDumbster.smtp;

namespace Marketplace.Tests.Infrastructure;

/// <summary>Reads what the app really sent to the test SMTP server.</summary>
public static class Mailbox
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>All mails received so far for this address, parsed, oldest outbox row first (the server's list has no order).</summary>
    public static IReadOnlyList<MimeMessage> MailsTo(this SimpleSmtpServer smtp, string address) =>
        smtp.ReceivedEmail
            .Where(m => m.ToAddresses.Any(a => string.Equals(a.Address, address, StringComparison.OrdinalIgnoreCase)))
            .Select(m => MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(m.Data))))
            .DistinctBy(OutboxId) // a dispatcher stopped mid-batch may have delivered a mail that is then sent again
            .OrderBy(OutboxId)
            .ToList();

    /// <summary>The outbox row a mail was sent from: its Message-ID is outbox-{id}@domain.</summary>
    public static long OutboxId(MimeMessage mail)
    {
        var match = Regex.Match(mail.MessageId ?? "", @"^outbox-(\d+)@");
        Assert.True(match.Success, $"Message-ID '{mail.MessageId}' does not name its outbox row");
        return long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Waits (polling, with a timeout) until <paramref name="count"/> mails matching the subject have arrived for the address; returns the newest.</summary>
    public static async Task<MimeMessage> WaitForMailAsync(this SimpleSmtpServer smtp, string address, string subjectContains, int count = 1)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var mails = smtp.MailsTo(address).Where(m => (m.Subject ?? "").Contains(subjectContains, StringComparison.OrdinalIgnoreCase)).ToList();
            if (mails.Count >= count)
            {
                return mails[^1];
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no {count}. mail '{subjectContains}' to {address} within {Timeout.TotalSeconds} s (got {mails.Count})");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>The token of the link to <paramref name="path"/> (verify-email, reset-password) in the mail's text.</summary>
    public static string TokenFrom(MimeMessage mail, string path)
    {
        var match = Regex.Match(mail.TextBody ?? "", $@"/{Regex.Escape(path)}\?token=([A-Za-z0-9_\-%]+)");
        Assert.True(match.Success, $"no /{path}?token= link in: {mail.TextBody}");
        return Uri.UnescapeDataString(match.Groups[1].Value);
    }

    public static async Task<string> WaitForVerificationTokenAsync(this SimpleSmtpServer smtp, string address, int count = 1) =>
        TokenFrom(await smtp.WaitForMailAsync(address, "Confirm your e-mail", count), "verify-email");

    public static async Task<string> WaitForResetTokenAsync(this SimpleSmtpServer smtp, string address, int count = 1) =>
        TokenFrom(await smtp.WaitForMailAsync(address, "Reset your password", count), "reset-password");
}
