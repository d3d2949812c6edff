using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.Options;
using Unlearning.Web.Identity;

namespace Unlearning.Web.Security;

/// <summary>Local mode: every request is the one local user, with Admin rights (docs/lab-identity.md, "Modes").</summary>
public sealed class LocalUserHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Local";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, LabMode.LocalUserName), new Claim(ClaimTypes.Name, LabMode.LocalUserName), new Claim(ClaimTypes.Role, LabRoles.Admin)],
            SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}

/// <summary><c>Authorization: Bearer ulab_…</c>: a personal access token (docs/lab-identity.md, "Tokens").</summary>
public sealed class TokenAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Token";

    public static bool HasBearer(HttpRequest request) =>
        request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!HasBearer(Request)) return AuthenticateResult.NoResult();
        var token = Request.Headers.Authorization.ToString()["Bearer ".Length..].Trim();
        var tokens = Context.RequestServices.GetRequiredService<TokenService>();
        var principal = await tokens.AuthenticateAsync(token, SchemeName);
        return principal is null ? AuthenticateResult.Fail("The token is not valid or was revoked.")
            : AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }
}

/// <summary>
/// Failed authorization on <c>/api</c> answers problem+json (401 with <c>WWW-Authenticate: Bearer</c>, or 403), never a
/// redirect to the sign-in page; pages keep the cookie handler's redirects.
/// </summary>
public sealed class LabAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult result)
    {
        if (!Api.ApiProblems.IsApi(context.Request) || result.Succeeded)
        {
            await _default.HandleAsync(next, context, policy, result);
            return;
        }
        bool signedIn = context.User.Identity?.IsAuthenticated == true;
        int status = result.Challenged || !signedIn ? StatusCodes.Status401Unauthorized : StatusCodes.Status403Forbidden;
        string detail = status == 401
            ? "Sign in, or send a personal access token as 'Authorization: Bearer <token>' (create one on the Tokens page)."
            : context.User.IsReadOnlyToken() ? "This token has the read scope; create a write token to change anything."
            : "Your role does not allow this (Viewers read only; Researchers change only what they own).";
        if (status == 401) context.Response.Headers.WWWAuthenticate = "Bearer";
        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(new { type = "about:blank", title = status == 401 ? "Unauthorized" : "Forbidden", status, detail },
            options: null, contentType: "application/problem+json");
    }
}

/// <summary>
/// Local mode without <c>AllowUnauthenticatedNetwork</c>: after Kestrel has bound, a listening address beyond loopback stops
/// the app (the configuration check in <see cref="LabMode.Resolve"/> sees only configured URLs, not code-bound ones), and
/// until then a request that arrived on a non-loopback address is refused.
/// </summary>
internal static class LocalModeGuard
{
    public static void Register(WebApplication app, LabMode mode)
    {
        if (mode.IsShared || mode.AllowUnauthenticatedNetwork) return;
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
                .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses ?? [];
            if (addresses.FirstOrDefault(a => !LabMode.IsLoopbackUrl(a)) is { } exposed)
            {
                app.Logger.LogCritical("{Message}", LabMode.RefusalMessage(exposed));
                lifetime.StopApplication();
            }
        });
        app.Use(async (context, next) =>
        {
            if (context.Connection.LocalIpAddress is { } local && !IPAddress.IsLoopback(local.IsIPv4MappedToIPv6 ? local.MapToIPv4() : local))
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await context.Response.WriteAsync("Local mode answers on loopback only (docs/lab-identity.md).");
                return;
            }
            await next();
        });
    }
}
