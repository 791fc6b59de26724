using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using LinqToDB.DataProvider.PostgreSQL;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Email;
using Marketplace.Tests.Infrastructure;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using netDumbster.smtp;
using Xunit.Abstractions;

namespace Marketplace.Tests.Platform;

/// <summary>A database of its own, so that only the dispatchers built here see these outbox rows.</summary>
public sealed class MailDatabase : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";

    public DataOptions<Db> Options => new(new DataOptions().UsePostgreSQL(
        new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString) { Timezone = "UTC" }.ConnectionString, PostgreSQLVersion.v15));

    public async Task InitializeAsync() => ConnectionString = await TestDatabase.CreateMigratedAsync("mail");

    public Task DisposeAsync() => TestDatabase.DropAsync(ConnectionString);
}

public sealed class EmailDispatcherTests(MailDatabase database, ITestOutputHelper output) : IClassFixture<MailDatabase>, IDisposable
{
    private readonly SimpleSmtpServer smtp = SimpleSmtpServer.Start(AppFixture.FreePort());
    private readonly string dataDirectory = Path.Combine(Path.GetTempPath(), "marketplace-mail-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Two_dispatchers_at_once_deliver_each_mail_exactly_once()
    {
        var ids = await EnqueueAsync(200);
        var first = Dispatcher(batchSize: 5);
        var second = Dispatcher(batchSize: 5);

        var sent = await Task.WhenAll(Task.Run(() => first.DispatchDueAsync(CancellationToken.None)), Task.Run(() => second.DispatchDueAsync(CancellationToken.None)));

        output.WriteLine($"first dispatcher sent {sent[0]}, second {sent[1]}");
        Assert.Equal(200, sent.Sum());
        Assert.All(sent, n => Assert.True(n > 0, "both dispatchers took part"));
        var delivered = smtp.ReceivedEmail.Select(m => Mailbox.OutboxId(MimeKit.MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(m.Data))))).ToList();
        Assert.Equal(ids.Order(), delivered.Order());
        using var db = Db();
        Assert.Equal(200, await db.Outbox.CountAsync(m => m.SentAt != null && m.Attempts == 1));
    }

    [Fact]
    public async Task Rows_locked_by_another_instance_are_skipped_not_waited_for()
    {
        var ids = await EnqueueAsync(6);
        using var other = Db();
        await using (var transaction = await other.BeginTransactionAsync())
        {
            // another instance is busy with the first three
            var locked = await other.Outbox.Where(m => ids.Take(3).Contains(m.Id)).AsPostgreSQL().ForUpdateHint().ToListAsync();
            Assert.Equal(3, locked.Count);

            Assert.Equal(3, await Dispatcher().DispatchDueAsync(CancellationToken.None));
            await transaction.RollbackAsync();
        }

        Assert.Equal(3, await Dispatcher().DispatchDueAsync(CancellationToken.None));
        Assert.Equal(6, smtp.ReceivedEmailCount);
    }

    [Fact]
    public async Task A_mail_of_a_rolled_back_change_never_goes_out()
    {
        using (var db = Db())
        await using (var transaction = await db.BeginTransactionAsync())
        {
            await Outbox.EnqueueAsync(db, TimeProvider.System, new OutgoingMail("test", "rolled.back@example.test", "Never", "never sent"), CancellationToken.None);
            await transaction.RollbackAsync();
        }

        Assert.Equal(0, await Dispatcher().DispatchDueAsync(CancellationToken.None));
        Assert.Equal(0, smtp.ReceivedEmailCount);
    }

    [Fact]
    public async Task A_failing_send_is_retried_with_backoff_and_given_up_after_the_last_attempt()
    {
        var clock = new TestClock();
        var id = Assert.Single(await EnqueueAsync(1, clock));
        var unreachable = Dispatcher(clock: clock, port: AppFixture.FreePort(), maxAttempts: 3, password: "smtp-secret-password");

        await unreachable.DispatchDueAsync(CancellationToken.None);
        var row = await RowAsync(id);
        Assert.Equal(1, row.Attempts);
        Assert.Null(row.SentAt);
        Assert.Null(row.FailedAt);
        Assert.Equal(clock.GetUtcNow().UtcDateTime.AddSeconds(30), row.AvailableAt, TimeSpan.FromSeconds(1));
        Assert.False(string.IsNullOrEmpty(row.LastError));
        Assert.DoesNotContain("smtp-secret-password", row.LastError, StringComparison.Ordinal);

        // not due yet: nothing happens
        await unreachable.DispatchDueAsync(CancellationToken.None);
        Assert.Equal(1, (await RowAsync(id)).Attempts);

        clock.Advance(TimeSpan.FromSeconds(31));
        await unreachable.DispatchDueAsync(CancellationToken.None);
        row = await RowAsync(id);
        Assert.Equal(2, row.Attempts);
        Assert.Equal(clock.GetUtcNow().UtcDateTime.AddSeconds(60), row.AvailableAt, TimeSpan.FromSeconds(1));

        clock.Advance(TimeSpan.FromSeconds(61));
        await unreachable.DispatchDueAsync(CancellationToken.None);
        row = await RowAsync(id);
        Assert.Equal(3, row.Attempts);
        Assert.NotNull(row.FailedAt);

        // given up: a working server later does not get it either
        clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(0, await Dispatcher(clock: clock).DispatchDueAsync(CancellationToken.None));
        Assert.Equal(0, smtp.ReceivedEmailCount);
    }

    [Fact]
    public async Task A_mail_that_failed_once_is_sent_when_the_server_is_back()
    {
        var clock = new TestClock();
        var id = Assert.Single(await EnqueueAsync(1, clock));
        await Dispatcher(clock: clock, port: AppFixture.FreePort()).DispatchDueAsync(CancellationToken.None);

        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await Dispatcher(clock: clock).DispatchDueAsync(CancellationToken.None));

        var row = await RowAsync(id);
        Assert.Equal(2, row.Attempts);
        Assert.NotNull(row.SentAt);
        Assert.Null(row.LastError);
        Assert.Equal(1, smtp.ReceivedEmailCount);
    }

    [Fact]
    public async Task A_mail_that_cannot_be_sent_fails_alone_and_the_rest_of_its_batch_is_marked_sent()
    {
        var ids = await EnqueueAsync(3);
        using (var db = Db())
        {
            await db.Outbox.Where(m => m.Id == ids[1]).Set(m => m.ToAddress, "not an address").UpdateAsync();
        }

        Assert.Equal(2, await Dispatcher().DispatchDueAsync(CancellationToken.None));

        var rows = await Task.WhenAll(ids.Select(RowAsync));
        Assert.All(new[] { rows[0], rows[2] }, r => Assert.Equal((true, 1, (string?)null), (r.SentAt is not null, r.Attempts, r.LastError)));
        Assert.Equal((false, 1, false), (rows[1].SentAt is not null, rows[1].Attempts, rows[1].FailedAt is not null));
        Assert.NotNull(rows[1].LastError);
        Assert.Equal(2, smtp.ReceivedEmailCount);
    }

    [Fact]
    public async Task Without_an_SMTP_host_each_mail_is_written_as_an_eml_file()
    {
        var id = Assert.Single(await EnqueueAsync(1));

        Assert.Equal(1, await Dispatcher(host: null).DispatchDueAsync(CancellationToken.None));

        var file = Assert.Single(Directory.GetFiles(Path.Combine(dataDirectory, "mail"), "*.eml"));
        var message = await MimeKit.MimeMessage.LoadAsync(file);
        Assert.Equal(id, Mailbox.OutboxId(message));
        Assert.Equal("Mail 0", message.Subject);
        Assert.Equal("to.0@example.test", message.To.Mailboxes.Single().Address);
        Assert.Contains("Body 0", message.TextBody, StringComparison.Ordinal);
        Assert.NotNull((await RowAsync(id)).SentAt);
        Assert.Equal(0, smtp.ReceivedEmailCount);
    }

    [Fact]
    public async Task The_mail_carries_the_configured_sender_its_kind_and_the_html_part()
    {
        using (var db = Db())
        {
            await Outbox.EnqueueAsync(db, TimeProvider.System,
                new OutgoingMail("invoice_issued", "buyer@example.test", "Your invoice", "plain text", "<p>html</p>"), CancellationToken.None);
        }

        await Dispatcher().DispatchDueAsync(CancellationToken.None);

        var message = MimeKit.MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(smtp.ReceivedEmail.Single().Data)));
        Assert.Equal("no-reply@marketplace.test", message.From.Mailboxes.Single().Address);
        Assert.Equal("invoice_issued", message.Headers["X-Marketplace-Mail-Kind"]);
        Assert.Equal("plain text", message.TextBody?.Trim());
        Assert.Equal("<p>html</p>", message.HtmlBody?.Trim());
    }

    public void Dispose()
    {
        smtp.Dispose();
        if (Directory.Exists(dataDirectory))
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private Db Db() => new(database.Options);

    /// <summary>Empties the outbox (the tests of this class run one after another) and enqueues fresh mails.</summary>
    private async Task<List<long>> EnqueueAsync(int count, TimeProvider? clock = null)
    {
        using var db = Db();
        await db.Outbox.DeleteAsync();
        for (var i = 0; i < count; i++)
        {
            await Outbox.EnqueueAsync(db, clock ?? TimeProvider.System, new OutgoingMail("test", $"to.{i}@example.test", $"Mail {i}", $"Body {i}"), CancellationToken.None);
        }
        return await db.Outbox.Select(m => m.Id).ToListAsync();
    }

    private async Task<OutboxMailRow> RowAsync(long id)
    {
        using var db = Db();
        return await db.Outbox.SingleAsync(m => m.Id == id);
    }

    private OutboxDispatcher Dispatcher(TimeProvider? clock = null, string? host = "127.0.0.1", int? port = null, int batchSize = 20, int maxAttempts = 8, string? password = null)
    {
        var options = new MarketplaceOptions
        {
            DataDirectory = dataDirectory,
            Smtp = new MarketplaceOptions.SmtpOptions
            {
                Host = host,
                Port = port ?? smtp.Configuration.Port,
                Password = password,
                From = "Marketplace <no-reply@marketplace.test>",
                BatchSize = batchSize,
                MaxAttempts = maxAttempts,
            },
        };
        return new OutboxDispatcher(database.Options, options, clock ?? TimeProvider.System,
            new HostingEnvironment { ContentRootPath = dataDirectory, EnvironmentName = "Testing" }, new OutboxSignal(), NullLogger<OutboxDispatcher>.Instance);
    }
}
