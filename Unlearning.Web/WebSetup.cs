using MudBlazor.Services;
using Unlearning.Web.Api;
using Unlearning.Web.Components;

namespace Unlearning.Web;

/// <summary>Registers and maps everything the web layer adds on top of Unlearning.Core.</summary>
public static class WebSetup
{
    public static IServiceCollection AddUnlearningWeb(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        Security.SecurityMiddleware.AddUnlearningSecurity(services);
        // Snackbars bottom-right, away from the table legend in the top-right corner.
        services.AddMudServices(c => c.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomRight);
        // One comparison state per circuit (browser tab).
        services.AddScoped<State.ComparisonState>();
        services.AddUnlearningApi(configuration);
        return services;
    }

    public static WebApplication UseUnlearningWeb(this WebApplication app)
    {
        Security.SecurityMiddleware.UseUnlearningSecurity(app);
        if (!app.Environment.IsDevelopment())
            app.UseExceptionHandler("/Error", createScopeForErrors: true);
        app.UseApiProblems();
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapOpenApi();
        app.MapUnlearningApi();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
