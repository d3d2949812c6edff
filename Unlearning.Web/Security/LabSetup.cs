using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Unlearning.Core;
using Unlearning.Web.Identity;

namespace Unlearning.Web.Security;

/// <summary>
/// Sign-in, roles and tokens (docs/lab-identity.md). Local mode registers a handler that makes every request the local
/// Admin, so the same policies guard both modes; shared mode registers ASP.NET Core Identity on
/// <see cref="LabIdentityDbContext"/>, cookie sign-in, personal access tokens and optionally OpenID Connect.
/// </summary>
public static class LabSetup
{
    /// <summary>Picks the cookie or the token handler per request.</summary>
    public const string SharedScheme = "Lab";
    public const string OidcScheme = "oidc";
    public const string LoginRateLimit = "login";
    public const int MinPasswordLength = 12;
    public const int MaxFailedSignIns = 5;
    public static readonly TimeSpan LockoutTime = TimeSpan.FromMinutes(15);

    public static IServiceCollection AddLabSecurity(this IServiceCollection services, LabMode mode)
    {
        services.AddSingleton(mode);
        services.AddCascadingAuthenticationState();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, LabAuthorizationResultHandler>();
        services.AddAuthorization(o =>
        {
            o.AddPolicy(LabPolicies.Read, p => p.RequireAuthenticatedUser());
            o.AddPolicy(LabPolicies.Write, p => p.RequireAuthenticatedUser().RequireAssertion(c => c.User.CanWrite()));
            o.AddPolicy(LabPolicies.Admin, p => p.RequireAuthenticatedUser().RequireAssertion(c => c.User.IsAdmin()));
            // Every page and endpoint needs a user unless it says otherwise (sign-in page, static files).
            o.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();
        });
        if (!mode.IsShared)
        {
            services.AddAuthentication(LocalUserHandler.SchemeName).AddScheme<AuthenticationSchemeOptions, LocalUserHandler>(LocalUserHandler.SchemeName, null);
            return services;
        }

        AddLabIdentityStore(services, sp => sp.GetRequiredService<Unlearning.Core.Experiments.ResolvedDatabase>());
        services.AddScoped<TokenService>();
        services.AddSingleton<IXmlRepository, DatabaseXmlRepository>();
        services.AddDataProtection().SetApplicationName("Unlearning.Comparator");
        services.AddOptions<KeyManagementOptions>().Configure<IServiceProvider>((o, sp) => o.XmlRepository = sp.GetRequiredService<IXmlRepository>());
        services.AddHostedService<LabIdentityStartup>();

        var auth = services.AddAuthentication(o =>
        {
            o.DefaultScheme = SharedScheme;
            o.DefaultChallengeScheme = SharedScheme;
            o.DefaultSignInScheme = IdentityConstants.ApplicationScheme;
        });
        auth.AddPolicyScheme(SharedScheme, "Cookie or token", o => o.ForwardDefaultSelector = context =>
            TokenAuthenticationHandler.HasBearer(context.Request) ? TokenAuthenticationHandler.SchemeName : IdentityConstants.ApplicationScheme);
        auth.AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(TokenAuthenticationHandler.SchemeName, null);
        auth.AddIdentityCookies();
        services.ConfigureApplicationCookie(o =>
        {
            o.Cookie.Name = "unlearning.auth";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.LoginPath = "/account/login";
            o.LogoutPath = "/account/logout";
            o.AccessDeniedPath = "/account/denied";
            o.ExpireTimeSpan = TimeSpan.FromHours(12);
            o.SlidingExpiration = true;
        });
        // Role changes and removed users take effect within a minute on signed-in browsers.
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromMinutes(1));
        if (mode.Oidc.Enabled) AddOidc(auth, mode.Oidc);

        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(LoginRateLimit, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = 10, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            o.OnRejected = async (context, ct) =>
            {
                context.HttpContext.Response.ContentType = "text/plain; charset=utf-8";
                await context.HttpContext.Response.WriteAsync("Too many sign-in attempts from this address; wait a minute and try again.", ct);
            };
        });
        return services;
    }

    /// <summary>
    /// Identity's user and role stores on <see cref="LabIdentityDbContext"/> (the web app and the <c>users</c> verb share
    /// it): passwords of at least <see cref="MinPasswordLength"/> characters, lockout after <see cref="MaxFailedSignIns"/> failures.
    /// </summary>
    public static IdentityBuilder AddLabIdentityStore(IServiceCollection services, Func<IServiceProvider, Unlearning.Core.Experiments.ResolvedDatabase> database)
    {
        services.AddScoped(sp => LabIdentityDatabase.Create(database(sp)));
        return services.AddIdentityCore<LabUser>(o =>
            {
                o.Password.RequiredLength = MinPasswordLength;
                o.Password.RequireDigit = o.Password.RequireLowercase = o.Password.RequireUppercase = o.Password.RequireNonAlphanumeric = false;
                o.Password.RequiredUniqueChars = 4;
                o.Lockout.AllowedForNewUsers = true;
                o.Lockout.MaxFailedAccessAttempts = MaxFailedSignIns;
                o.Lockout.DefaultLockoutTimeSpan = LockoutTime;
                o.User.AllowedUserNameCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._@+";
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<LabIdentityDbContext>()
            .AddSignInManager();
    }

    private static void AddOidc(AuthenticationBuilder auth, OidcSettings oidc) =>
        auth.AddOpenIdConnect(OidcScheme, oidc.DisplayName, o =>
        {
            o.Authority = oidc.Authority;
            o.ClientId = oidc.ClientId;
            o.ClientSecret = oidc.ClientSecret;
            o.ResponseType = "code";
            o.UsePkce = true;
            o.SaveTokens = false;
            o.SignInScheme = IdentityConstants.ExternalScheme;
            o.Scope.Clear();
            foreach (var s in new[] { "openid", "profile", "email" }) o.Scope.Add(s);
            o.MapInboundClaims = false;
            o.CallbackPath = "/signin-oidc";
        });

    /// <summary>
    /// After the provider signed someone in (external cookie): find or create their lab user by name, set their role from
    /// the provider's claims (<see cref="OidcSettings.RoleMap"/>), and sign them in with the application cookie.
    /// </summary>
    internal static async Task<IResult> CompleteOidcAsync(HttpContext context, SignInManager<LabUser> signIn, UserManager<LabUser> users, LabMode mode, ILogger logger)
    {
        var external = await context.AuthenticateAsync(IdentityConstants.ExternalScheme);
        if (!external.Succeeded) return Results.Redirect("/account/login?error=external");
        var principal = external.Principal;
        var name = principal.FindFirst(mode.Oidc.NameClaim)?.Value ?? principal.FindFirst("email")?.Value ?? principal.FindFirst("sub")?.Value;
        var claimed = principal.FindAll(mode.Oidc.RoleClaim).Select(c => c.Value)
            .Select(v => mode.Oidc.RoleMap.TryGetValue(v, out var r) ? LabRoles.Parse(r) : null).OfType<string>().ToList();
        var role = LabRoles.All.FirstOrDefault(claimed.Contains) ?? LabRoles.Parse(mode.Oidc.DefaultRole);
        await context.SignOutAsync(IdentityConstants.ExternalScheme);
        if (string.IsNullOrEmpty(name) || name.Length > Core.Experiments.Job.MaxOwnerLength || role is null)
        {
            logger.LogWarning("OpenID Connect sign-in refused for {Name}: no usable name or no mapped role.", name);
            return Results.Redirect("/account/denied");
        }
        var user = await users.FindByNameAsync(name);
        if (user is null)
        {
            user = new LabUser { UserName = name };
            var created = await users.CreateAsync(user);
            if (!created.Succeeded) return Results.Redirect("/account/denied");
        }
        foreach (var old in (await users.GetRolesAsync(user)).Where(r => r != role).ToList()) await users.RemoveFromRoleAsync(user, old);
        if (!await users.IsInRoleAsync(user, role)) await users.AddToRoleAsync(user, role);
        if (await users.IsLockedOutAsync(user)) return Results.Redirect("/account/denied");
        await signIn.SignInAsync(user, isPersistent: false, OidcScheme);
        return Results.LocalRedirect("/");
    }
}

/// <summary>Applies the identity migrations and creates the roles before the server answers; says when no Admin exists yet.</summary>
internal sealed class LabIdentityStartup(IServiceProvider services, ILogger<LabIdentityStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await LabIdentityDatabase.MigrateAsync(services, cancellationToken);
        using var scope = services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<LabUser>>();
        if ((await users.GetUsersInRoleAsync(LabRoles.Admin)).Count == 0)
            logger.LogWarning("Shared mode: no Admin yet. Create one with: dotnet run --project Unlearning.Web -- users add --name NAME --role Admin --password-stdin");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
