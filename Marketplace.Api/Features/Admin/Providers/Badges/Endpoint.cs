using System.Globalization;
using FastEndpoints;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Features.Providers;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Admin.Providers.Badges;

public sealed class Endpoint(Db db, TimeProvider clock) : Endpoint<Request, ProviderProfile>
{
    public override void Configure()
    {
        Put("admin/providers/{id:int}/badges");
        Policies(Infrastructure.Policies.Admin);
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403).ProducesProblemDetails(404));
        Summary(s =>
        {
            s.Summary = "Set a provider's badges (admins)";
            s.Description = "Sets verifiedProvider and premiumProvider (both required), shown on the public provider page and listings. "
                + "quickResponder is not set here: a daily job computes it from messaging (see the README's Operators section). "
                + "The same values again are 200 and change nothing.";
            s.ExampleRequest = new Request { Id = 7, VerifiedProvider = true, PremiumProvider = false, Reason = "Business licence checked." };
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var admin = HttpContext.CurrentUser();
        await db.InTransactionAsync(async c =>
        {
            var before = await db.Providers.Where(p => p.Id == req.Id && p.DeletedAt == null)
                .Select(p => new { p.UserId, p.VerifiedProvider, p.PremiumProvider }).FirstOrDefaultAsync(c)
                ?? throw ApiProblem.NotFound("provider");
            await LockOrder.ProviderAsync(db, req.Id, c);
            if (await Data.SetAsync(db, req.Id, req.VerifiedProvider!.Value, req.PremiumProvider!.Value, clock.GetUtcNow().UtcDateTime, c) == 0)
            {
                return;
            }
            await Audit.WriteAsync(db, clock, new AuditEntry("provider", req.Id, "badges_changed", null, null, admin.Id, AdminRules.ActorRole, new
            {
                reason = req.Reason!.Trim(),
                from = new { before.VerifiedProvider, before.PremiumProvider },
                to = new { req.VerifiedProvider, req.PremiumProvider },
            }), c);
            await DomainEvents.AppendAsync(db, clock, new DomainEvent(EventTypes.ProviderBadgesChanged, "provider", req.Id.ToString(CultureInfo.InvariantCulture),
                await ProviderProfile.LoadAsync(db, req.Id, c) ?? (object)new { id = req.Id }, [before.UserId]), c);
        }, ct);
        await Send.OkAsync(await ProviderProfile.LoadAsync(db, req.Id, ct) ?? throw ApiProblem.NotFound("provider"), ct);
    }
}
