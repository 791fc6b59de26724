using LinqToDB.Data;
using Stripe;
using Stripe.Checkout;

namespace Marketplace.Api.Infrastructure.Stripe;

/// <summary>Closing the Checkout Session of an invoice that can no longer be paid (booking cancelled, invoice void).</summary>
public static class CheckoutSessions
{
    /// <summary>
    /// Expires the session so the client cannot pay a cancelled booking. Best effort, after the
    /// cancellation has committed: a session that completed or expired meanwhile is fine (a late
    /// payment is then flagged by the webhook), and a Stripe failure or timeout is logged, not answered.
    /// The caller's database connection is returned to the pool before Stripe is asked.
    /// </summary>
    public static async Task ExpireQuietlyAsync(DataConnection db, StripeAccess stripe, string? sessionId, DateTime? expiresAt, TimeProvider clock, ILogger logger, CancellationToken ct)
    {
        if (sessionId is null || expiresAt is null || expiresAt <= clock.GetUtcNow().UtcDateTime || !stripe.IsConfigured)
        {
            return;
        }
        try
        {
            await new SessionService(await stripe.ClientAsync(db)).ExpireAsync(sessionId, null, new RequestOptions { IdempotencyKey = $"expire-{sessionId}" }, ct);
        }
        catch (StripeException ex)
        {
            logger.LogWarning("Could not expire Checkout Session {SessionId}: {StripeCode} (HTTP {Status})", sessionId, ex.StripeError?.Code, (int)ex.HttpStatusCode);
        }
        catch (ApiProblem ex) when (ex.Code == BoundedStripeCalls.StripeUnavailable)
        {
            logger.LogWarning("Could not expire Checkout Session {SessionId}: Stripe unavailable (HTTP {Status})", sessionId, ex.Status);
        }
    }
}
