using System.Diagnostics.Metrics;
using LinqToDB;
using LinqToDB.DataProvider.PostgreSQL;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Marketplace.Tests.Platform;

/// <summary>The outbox and webhook gauges, sampled from a database of their own (no other test's rows).</summary>
public sealed class OperationalGaugesTests
{
    [Fact]
    public async Task The_gauges_report_the_outbox_backlog_its_oldest_age_and_the_webhook_lag()
    {
        var cs = await TestDatabase.CreateMigratedAsync("gauges");
        try
        {
            var clock = new TestClock(DateTimeOffset.UtcNow);
            var now = clock.GetUtcNow().UtcDateTime;
            await ExecuteAsync(cs, """
                INSERT INTO marketplace.email_outbox (kind, to_address, subject, text_body, available_at, sent_at, failed_at) VALUES
                  ('test', 'a@example.test', 's', 'b', $1, NULL, NULL),
                  ('test', 'b@example.test', 's', 'b', $2, NULL, NULL),
                  ('test', 'c@example.test', 's', 'b', $1, $2, NULL),
                  ('test', 'd@example.test', 's', 'b', $1, NULL, $2)
                """, now.AddSeconds(-90), now.AddSeconds(-10));
            // evt_1: created 12 s ago, processed 5 s ago (lag 7 s); evt_2 processed before the sampling window
            await ExecuteAsync(cs, """
                INSERT INTO marketplace.stripe_events (id, type, livemode, event_created_at, received_at, processed_at, outcome, payload) VALUES
                  ('evt_1', 'charge.succeeded', false, $1, $2, $2, 'applied', '{}'),
                  ('evt_2', 'charge.succeeded', false, $3, $3, $3, 'applied', '{}')
                """, now.AddSeconds(-12), now.AddSeconds(-5), now.AddMinutes(-10));
            var options = new DataOptions<Db>(new DataOptions().UsePostgreSQL(
                new NpgsqlConnectionStringBuilder(cs) { Timezone = "UTC" }.ConnectionString, PostgreSQLVersion.v15));
            var gauges = new OperationalGauges(options, clock, NullLogger<OperationalGauges>.Instance);

            await gauges.SampleAsync(CancellationToken.None);

            var values = Observe();
            Assert.Equal(2L, values["marketplace.outbox.backlog"]);
            Assert.Equal(90.0, (double)values["marketplace.outbox.oldest_age"], precision: 3);
            Assert.Equal(7.0, (double)values["marketplace.webhook.processing_lag"], precision: 3);

            Dictionary<string, object> Observe()
            {
                // other samplers' gauges share the meter: only this one's are read
                var mine = new Dictionary<string, object>();
                using var listener = new MeterListener();
                listener.InstrumentPublished = (instrument, l) =>
                {
                    if (gauges.Instruments.Contains(instrument))
                    {
                        l.EnableMeasurementEvents(instrument, gauges);
                    }
                };
                listener.SetMeasurementEventCallback<long>((i, v, _, state) => { if (state == gauges) mine[i.Name] = v; });
                listener.SetMeasurementEventCallback<double>((i, v, _, state) => { if (state == gauges) mine[i.Name] = v; });
                listener.Start();
                listener.RecordObservableInstruments();
                return mine;
            }
        }
        finally
        {
            await TestDatabase.DropAsync(cs);
        }
    }

    private static async Task ExecuteAsync(string cs, string sql, params object[] values)
    {
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }
        await command.ExecuteNonQueryAsync();
    }
}
