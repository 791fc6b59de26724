using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Admin.Users.Get;

public sealed class Endpoint(Db db, TimeProvider clock) : Endpoint<Request, AdminUserDetail>
{
    public override void Configure()
    {
        Get("admin/users/{id:int}");
        Policies(Infrastructure.Policies.Admin);
        Description(d => d.ProducesProblemDetails(401).ProducesProblemDetails(403).ProducesProblemDetails(404));
        Summary(s =>
        {
            s.Summary = "A user's account (admins)";
            s.Description = "Profile (no secrets), provider, activity counts and the 20 newest audit rows about the user or done by them. "
                + "Deleted users too. 404 not_found for an unknown id.";
            s.ExampleRequest = new Request { Id = 42 };
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct) =>
        await Send.OkAsync(await AdminUserDetail.LoadAsync(db, clock, req.Id, ct) ?? throw ApiProblem.NotFound("user"), ct);
}
