using FastEndpoints;
using FluentValidation;

namespace Marketplace.Api.Features.Admin.Users.Suspend;

public sealed record Request
{
    /// <summary>The user's id.</summary>
    public int Id { get; init; }

    /// <summary>Why the account is suspended (shown to operators, kept in the audit log), 1 to 500 characters.</summary>
    public string? Reason { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator() => RuleFor(r => r.Reason).AdminReason();
}

/// <summary>A booking still under way when its party was suspended: for operators to follow up.</summary>
/// <param name="Id">The transaction's id.</param>
/// <param name="Role">client | provider: the suspended user's side of it.</param>
/// <param name="Status">pending | invoiced | paid | in_progress</param>
/// <param name="ClientId">The client.</param>
/// <param name="ProviderId">The provider.</param>
/// <param name="TotalCents">Amount due or paid.</param>
/// <param name="CreatedAt">When it was booked.</param>
public sealed record OpenBooking(long Id, string Role, string Status, int ClientId, int ProviderId, long TotalCents, DateTime CreatedAt);

/// <summary>The suspended account and the bookings it leaves open.</summary>
/// <param name="User">The account after the suspension.</param>
/// <param name="OpenBookings">Bookings of the user (either side) still under way, oldest first.</param>
public sealed record Response(AdminUserDetail User, IReadOnlyList<OpenBooking> OpenBookings);
