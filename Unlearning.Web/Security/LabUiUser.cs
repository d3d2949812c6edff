using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;

namespace Unlearning.Web.Security;

/// <summary>
/// The circuit's user as the components see it: what to show and what to record as owner. Without an authentication
/// state (component tests) it is the local user with every right, as in local mode.
/// </summary>
public sealed record LabUiUser(ClaimsPrincipal? Principal, bool Shared)
{
    public static readonly LabUiUser Local = new(null, false);

    public string? Name => Principal?.Identity?.Name;
    public bool CanWrite => Principal?.CanWrite() ?? true;
    public bool CanModify(string? owner) => Principal?.CanModify(owner) ?? true;
    /// <summary>Owner to record on what this user creates (null in local mode).</summary>
    public string? Owner => Shared ? Name : null;
    public string? Role => Principal is null ? null : Identity.LabRoles.All.FirstOrDefault(Principal.IsInRole);

    public static async Task<LabUiUser> ResolveAsync(Task<AuthenticationState>? state, IServiceProvider services)
    {
        if (state is null) return Local;
        var principal = (await state).User;
        return new LabUiUser(principal, services.GetService<LabMode>()?.IsShared ?? false);
    }
}
