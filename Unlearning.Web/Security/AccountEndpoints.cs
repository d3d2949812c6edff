using System.Net;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Unlearning.Web.Identity;

namespace Unlearning.Web.Security;

/// <summary>
/// <c>/account</c> in shared mode: the sign-in form (plain HTML with an antiforgery field, rate-limited per client
/// address, lockout after <see cref="LabSetup.MaxFailedSignIns"/> failures), sign-out, and the OpenID Connect round trip.
/// </summary>
public static class AccountEndpoints
{
    public sealed class LoginForm
    {
        public string? UserName { get; set; }
        public string? Password { get; set; }
        public string? ReturnUrl { get; set; }
    }

    public static WebApplication MapAccountEndpoints(this WebApplication app, LabMode mode)
    {
        if (!mode.IsShared) return app;
        var account = app.MapGroup("/account").ExcludeFromDescription();
        account.MapGet("/login", (HttpContext context, IAntiforgery antiforgery, string? returnUrl, string? error) =>
                LoginPage(context, antiforgery, mode, returnUrl, error == "external" ? "The identity provider's sign-in did not complete." : null))
            .AllowAnonymous();
        // Antiforgery is checked in the handlers (not by form binding) so that a stale or forged form gets a page, not an exception.
        account.MapPost("/login", SignInAsync).AllowAnonymous().RequireRateLimiting(LabSetup.LoginRateLimit).DisableAntiforgery();
        account.MapPost("/logout", async (HttpContext context, IAntiforgery antiforgery, SignInManager<LabUser> signIn) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context)) return Results.Content(Page("Not signed out",
                "<p>The sign-out form was stale or came from another site. <a href=\"/\">Back to the app</a></p>"), "text/html; charset=utf-8", statusCode: 400);
            await signIn.SignOutAsync();
            return Results.LocalRedirect("/account/login");
        }).DisableAntiforgery();
        account.MapGet("/denied", () => Results.Content(Page("Not allowed",
            "<p>Your account may not open this page.</p><p><a href=\"/\">Back to the app</a> · <a href=\"/account/login\">Sign in as someone else</a></p>"),
            "text/html; charset=utf-8", statusCode: StatusCodes.Status403Forbidden)).AllowAnonymous();
        if (mode.Oidc.Enabled)
        {
            account.MapGet("/external", () => Results.Challenge(new() { RedirectUri = "/account/external-done" }, [LabSetup.OidcScheme]))
                .AllowAnonymous().RequireRateLimiting(LabSetup.LoginRateLimit);
            account.MapGet("/external-done", (HttpContext c, SignInManager<LabUser> s, UserManager<LabUser> u, ILoggerFactory l) =>
                LabSetup.CompleteOidcAsync(c, s, u, mode, l.CreateLogger("Unlearning.Web.Oidc"))).AllowAnonymous();
        }
        return app;
    }

    private static async Task<IResult> SignInAsync(HttpContext context, SignInManager<LabUser> signIn, IAntiforgery antiforgery, LabMode mode, ILoggerFactory loggers)
    {
        if (!context.Request.HasFormContentType || context.Request.ContentLength is > 64 * 1024)
            return LoginPage(context, antiforgery, mode, null, "Sign in with the form.", StatusCodes.Status400BadRequest);
        var fields = await context.Request.ReadFormAsync(context.RequestAborted);
        var form = new LoginForm { UserName = fields["UserName"], Password = fields["Password"], ReturnUrl = fields["ReturnUrl"] };
        if (!await antiforgery.IsRequestValidAsync(context))
            return LoginPage(context, antiforgery, mode, form.ReturnUrl, "The form had expired; please sign in again.", StatusCodes.Status400BadRequest);
        var name = form.UserName?.Trim() ?? "";
        if (name.Length == 0 || name.Length > 256 || string.IsNullOrEmpty(form.Password) || form.Password.Length > 1024)
            return LoginPage(context, antiforgery, mode, form.ReturnUrl, "Enter your user name and password.");
        var result = await signIn.PasswordSignInAsync(name, form.Password, isPersistent: false, lockoutOnFailure: true);
        var log = loggers.CreateLogger("Unlearning.Web.SignIn");
        if (result.Succeeded)
        {
            log.LogInformation("{User} signed in from {Address}.", name, context.Connection.RemoteIpAddress);
            return Results.LocalRedirect(SafeReturnUrl(form.ReturnUrl));
        }
        log.LogWarning("Failed sign-in for {User} from {Address}{Locked}.", name, context.Connection.RemoteIpAddress, result.IsLockedOut ? " (locked out)" : "");
        return LoginPage(context, antiforgery, mode, form.ReturnUrl, result.IsLockedOut
            ? $"Too many failed sign-ins: this account is locked for {LabSetup.LockoutTime.TotalMinutes:0} minutes."
            : "Wrong user name or password.", StatusCodes.Status401Unauthorized);
    }

    /// <summary>A path on this site, or "/": never another site (open redirect) nor a protocol-relative URL.</summary>
    public static string SafeReturnUrl(string? url) =>
        url is { Length: > 0 and < 2048 } && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) && !url.Any(char.IsControl) ? url : "/";

    private static IResult LoginPage(HttpContext context, IAntiforgery antiforgery, LabMode mode, string? returnUrl, string? error, int status = 200)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var e = error is null ? "" : $"<p class=\"error\" role=\"alert\">{WebUtility.HtmlEncode(error)}</p>";
        var oidc = mode.Oidc.Enabled ? $"<p><a class=\"oidc\" href=\"/account/external\">Sign in with {WebUtility.HtmlEncode(mode.Oidc.DisplayName)}</a></p>" : "";
        var body = $"""
            {e}
            <form method="post" action="/account/login">
              <input type="hidden" name="{WebUtility.HtmlEncode(tokens.FormFieldName)}" value="{WebUtility.HtmlEncode(tokens.RequestToken)}" />
              <input type="hidden" name="ReturnUrl" value="{WebUtility.HtmlEncode(SafeReturnUrl(returnUrl))}" />
              <label>User name <input name="UserName" autocomplete="username" required maxlength="256" autofocus /></label>
              <label>Password <input name="Password" type="password" autocomplete="current-password" required /></label>
              <button type="submit" class="sign-in">Sign in</button>
            </form>
            {oidc}
            <p class="hint">No account? Ask a lab admin (docs/lab-identity.md).</p>
            """;
        return Results.Content(Page("Sign in", body), "text/html; charset=utf-8", statusCode: status);
    }

    private static string Page(string title, string body) => $$"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{{title}} · Unlearning Comparator</title><link rel="icon" type="image/svg+xml" href="/favicon.svg" />
        <style>
          body { font-family: Roboto, Helvetica, Arial, sans-serif; background: #f5f5f5; display: flex; justify-content: center; padding-top: 10vh; }
          main { background: #fff; padding: 2em 2.5em; border-radius: 6px; box-shadow: 0 1px 4px rgba(0,0,0,.2); min-width: 320px; }
          label { display: block; margin: .8em 0; } input:not([type=hidden]) { display: block; width: 100%; padding: .4em; margin-top: .2em; box-sizing: border-box; }
          button { padding: .5em 1.5em; } .error { color: #b00020; } .hint { color: #666; font-size: .9em; }
        </style></head>
        <body><main><h1>{{title}}</h1>{{body}}</main></body></html>
        """;
}
