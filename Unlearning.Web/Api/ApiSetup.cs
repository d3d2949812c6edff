using Microsoft.AspNetCore.Http.HttpResults;
using Unlearning.Core.Methods;

namespace Unlearning.Web.Api;

/// <summary>The HTTP API (JSON; documented at /openapi/v1.json): one endpoint group per feature under <c>/api</c>.</summary>
public static class ApiSetup
{
    public static IServiceCollection AddUnlearningApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOpenApi(o => o.AddDocumentTransformer<BearerSchemeTransformer>());
        services.AddApiProblems();
        services.Configure<UploadOptions>(configuration.GetSection(UploadOptions.Section));
        services.AddSingleton<CheckpointUploads>();
        services.AddHostedService<PluginReportLogger>();
        // Malformed request bodies throw, so that the API's exception handler answers with a clear problem detail.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        return services;
    }

    public static WebApplication MapUnlearningApi(this WebApplication app)
    {
        // No antiforgery tokens: API clients are scripts; state-changing routes require JSON or multipart bodies instead.
        // Reading needs a signed-in user or a token; every state-changing route also names LabPolicies.Write (or Admin),
        // which ApiAuthorizationTests checks for all of them (docs/lab-identity.md, "Roles").
        var api = app.MapGroup("/api").DisableAntiforgery().RequireAuthorization(Security.LabPolicies.Read);
        api.MapDatasetsApi();
        api.MapMethodsApi();
        api.MapExperimentsApi();
        api.MapDepthApi();
        api.MapJobsApi();
        api.MapForgetSetsApi();
        api.MapForgettingQualityApi();
        api.MapUploadsApi();
        api.MapImagesApi();
        api.MapTokensApi();
        return app;
    }
}

/// <summary>
/// Logs at start-up what the plug-in folder held (the report of <see cref="PluginLoader"/>, which ran when the methods
/// were registered): each plug-in method loaded, and each file that failed with its reason. <c>GET /api/methods</c>
/// shows the same report.
/// </summary>
public sealed class PluginReportLogger(PluginLoadReport report, ILogger<PluginReportLogger> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var m in report.Methods)
            logger.LogInformation("Unlearning plug-in method {Name} loaded from {File}.", m.Name, Path.GetFileName(m.GetType().Assembly.Location));
        foreach (var f in report.Failures)
            logger.LogWarning("Unlearning plug-in {Path} was not loaded: {Error}", f.Path, f.Error);
        if (report.Methods.Count == 0 && report.Failures.Count == 0)
            logger.LogInformation("No unlearning plug-ins in {Folder}.", report.Folder ?? "(no plugins folder configured)");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
