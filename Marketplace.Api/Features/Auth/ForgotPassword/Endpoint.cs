using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Auth.ForgotPassword;

public sealed class Endpoint(Db db, TimeProvider clock, AuthMailRequestSignal worker) : Endpoint<Request, Response>
{
    private static readonly Response Accepted = new("If this address has an account, a link to reset the password has been sent.");

    public override void Configure()
    {
        Post("auth/forgot-password");
        AllowAnonymous();
        Options(b => b.RequireRateLimiting(RateLimits.Auth));
        Description(d => d
            .ClearDefaultProduces(200)
            .Produces<Response>(202, "application/json")
            .ProducesProblemDetails(400)
            .ProducesProblemDetails(429));
        Summary(s =>
        {
            s.Summary = "Request a password reset";
            s.Description = "Always answers 202 with the same body, in the same time, whether or not the address has an account: the "
                + "request is queued and handled moments later. When the address has an active account, a reset link (valid 1 hour, "
                + "single use) is mailed; at most one mail per minute per account. Rate-limited per client IP (429 rate_limited).";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        // one INSERT whatever the address: the lookup happens in the background, so the answer's timing tells nothing
        await AuthMailRequests.EnqueueAsync(db, AuthMailRequests.PasswordReset, Credentials.NormalizeEmail(req.Email), clock.GetUtcNow().UtcDateTime, ct);
        worker.Wake();
        await Send.ResponseAsync(Accepted, StatusCodes.Status202Accepted, ct);
    }
}
