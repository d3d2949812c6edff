using System.Security.Claims;
using Unlearning.Web.Identity;

namespace Unlearning.Web.Security;

/// <summary>Authorization policy names (docs/lab-identity.md, "Roles").</summary>
public static class LabPolicies
{
    /// <summary>Any signed-in user or token: read the table, results, jobs.</summary>
    public const string Read = "lab-read";
    /// <summary>Researchers and Admins (a token needs the write scope): build, import, upload, delete/cancel own.</summary>
    public const string Write = "lab-write";
    /// <summary>Admins only (a token needs the write scope).</summary>
    public const string Admin = "lab-admin";
}

/// <summary>What the current user may do; the same rules for the API and the UI.</summary>
public static class LabAccess
{
    /// <summary>A token limited to reading.</summary>
    public static bool IsReadOnlyToken(this ClaimsPrincipal user) => user.FindFirst(TokenScopes.ClaimType)?.Value is { } s && s != TokenScopes.Write;

    public static bool IsAdmin(this ClaimsPrincipal user) => user.IsInRole(LabRoles.Admin) && !user.IsReadOnlyToken();

    /// <summary>May build models, import, upload and create forget sets.</summary>
    public static bool CanWrite(this ClaimsPrincipal user) =>
        (user.IsInRole(LabRoles.Admin) || user.IsInRole(LabRoles.Researcher)) && !user.IsReadOnlyToken();

    /// <summary>May delete or cancel the experiment or job owned by <paramref name="owner"/>: Admins anything, Researchers their own.</summary>
    public static bool CanModify(this ClaimsPrincipal user, string? owner) =>
        user.IsAdmin() || (user.CanWrite() && owner is not null && string.Equals(owner, user.Identity?.Name, StringComparison.Ordinal));

    /// <summary>The owner to record for what this user creates: their name in shared mode, nobody in local mode.</summary>
    public static string? OwnerName(this ClaimsPrincipal user, LabMode mode) =>
        mode.IsShared && user.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? name : null;
}
