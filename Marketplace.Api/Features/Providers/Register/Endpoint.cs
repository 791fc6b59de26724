using FastEndpoints;
using LinqToDB.Data;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Npgsql;

namespace Marketplace.Api.Features.Providers.Register;

public sealed class Endpoint(Db db, TimeProvider clock) : Endpoint<Request, ProviderProfile>
{
    public override void Configure()
    {
        Post("providers/register");
        Policies(Infrastructure.Policies.VerifiedEmail);
        Description(d => d
            .ClearDefaultProduces(200).Produces<ProviderProfile>(201)
            .ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403).ProducesProblemDetails(409));
        Summary(s =>
        {
            s.Summary = "Become a provider";
            s.Description = "Registers the caller (verified e-mail required) as a provider, one per user (409 already_a_provider). "
                + "A manual or offline provider is active at once; a stripe_connect provider stays pending until its Stripe account "
                + "can take charges and receive payouts (POST /providers/me/stripe-connect). The user's userType becomes provider "
                + "(or both when they already saved or booked listings as a buyer). A breeder's tenantId is stored unverified.";
        });
    }

    public override async Task HandleAsync(Request r, CancellationToken ct)
    {
        var caller = HttpContext.CurrentUser();
        if (caller.ProviderId is not null)
        {
            throw AlreadyAProvider();
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var status = r.PaymentMode == "stripe_connect" ? "pending" : "active";

        int providerId;
        await using (var tx = await db.BeginTransactionAsync(ct))
        {
            var user = await Data.GetUserAsync(db, caller.Id, ct) ?? throw ApiProblem.NotFound("user");
            if (r.TenantId is not null && user.TenantId is not null && user.TenantId != r.TenantId)
            {
                throw ApiProblem.Conflict("tenant_mismatch", "Your account is already linked to another breeder tenant.");
            }
            try
            {
                providerId = await Data.InsertAsync(db, new ProviderRow
                {
                    UserId = caller.Id,
                    ProviderType = r.ProviderType,
                    TenantId = r.TenantId,
                    BusinessName = r.BusinessName.Trim(),
                    BusinessDescription = r.BusinessDescription,
                    LogoUrl = r.LogoUrl,
                    CoverImageUrl = r.CoverImageUrl,
                    PublicEmail = r.PublicEmail,
                    PublicPhone = r.PublicPhone,
                    Website = r.Website,
                    City = r.City,
                    State = r.State,
                    Zip = r.Zip,
                    Country = r.Country,
                    PaymentMode = r.PaymentMode,
                    PaymentInstructions = r.PaymentInstructions,
                    BusinessHours = BusinessHours.ToJson(r.BusinessHours),
                    TimeZone = r.TimeZone,
                    Status = status,
                    ActivatedAt = status == "active" ? now : null,
                    CreatedAt = now,
                    UpdatedAt = now,
                }, ct);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && ex.ConstraintName == "ux_providers_user_id")
            {
                throw AlreadyAProvider();
            }

            var userType = user.UserType switch
            {
                "buyer" when await Data.HasBuyerActivityAsync(db, caller.Id, ct) => "both",
                "buyer" => "provider",
                var kept => kept,
            };
            await Data.UpdateUserAsync(db, caller.Id, userType, r.TenantId, ct);
            await Audit.WriteAsync(db, clock, new AuditEntry("provider", providerId, "register", null, status, caller.Id, "provider",
                new { r.PaymentMode, r.ProviderType }), ct);
            await tx.CommitAsync(ct);
        }

        var profile = await ProviderProfile.LoadAsync(db, providerId, ct) ?? throw ApiProblem.NotFound("provider");
        await Send.ResponseAsync(profile, StatusCodes.Status201Created, ct);
    }

    private static ApiProblem AlreadyAProvider() =>
        ApiProblem.Conflict("already_a_provider", "You are already registered as a provider; use PATCH /providers/me to change your profile.");
}
