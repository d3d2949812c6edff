using MudBlazor.Services;
using Unlearning.Web.Api;
using Unlearning.Web.Components;
using Unlearning.Web.Security;

namespace Unlearning.Web;

/// <summary>Registers and maps everything the web layer adds on top of Unlearning.Core.</summary>
public static class WebSetup
{
    /// <exception cref="LabModeException">The mode settings are contradictory (e.g. local mode on a network address).</exception>
    public static IServiceCollection AddUnlearningWeb(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        Security.SecurityMiddleware.AddUnlearningSecurity(services);
        services.AddLabSecurity(LabMode.Resolve(configuration));
        // Snackbars bottom-right, away from the table legend in the top-right corner.
        services.AddMudServices(c => c.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomRight);
        // One comparison state per circuit (browser tab).
        services.AddScoped<State.ComparisonState>();
        services.AddUnlearningApi(configuration);
        return services;
    }

    public static WebApplication UseUnlearningWeb(this WebApplication app)
    {
        var mode = app.Services.GetRequiredService<LabMode>();
        Security.SecurityMiddleware.UseUnlearningSecurity(app);
        LocalModeGuard.Register(app, mode);
        if (!app.Environment.IsDevelopment())
            app.UseExceptionHandler("/Error", createScopeForErrors: true);
        app.UseApiProblems();
        app.UseAuthentication();
        app.UseAuthorization();
        if (mode.IsShared) app.UseRateLimiter();
        JobsDashboard.Use(app);
        app.UseAntiforgery();
        app.MapStaticAssets().AllowAnonymous();
        app.MapOpenApi();
        app.MapUnlearningApi();
        app.MapAccountEndpoints(mode);
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
