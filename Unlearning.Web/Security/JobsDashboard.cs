using Hangfire;
using Hangfire.Dashboard;
using Unlearning.Core.Experiments.Jobs;

namespace Unlearning.Web.Security;

/// <summary>
/// Hangfire's own dashboard at <see cref="Path"/>, for Admins only (docs/lab-workers.md, "Hangfire dashboard"): servers,
/// queues, retries and Hangfire's view of each job. Our job records stay the source of truth for the UI and the API.
/// In local mode the single local user is the Admin; in shared mode a signed-in Admin (not a read-only token).
/// </summary>
public static class JobsDashboard
{
    public const string Path = "/hangfire";

    /// <summary>The services the dashboard middleware asks for; storage is passed to it explicitly (no global <c>JobStorage.Current</c>).</summary>
    public static IServiceCollection AddJobsDashboard(this IServiceCollection services) => services.AddHangfire(_ => { });

    public static void Use(WebApplication app)
    {
        if (app.Services.GetService<HangfireStorage>() is not { } hangfire) return;   // the in-process queue (tests' core-only hosts)
        app.UseHangfireDashboard(Path, new DashboardOptions
        {
            Authorization = [new AdminOnly()],
            AppPath = "/",
            DashboardTitle = "Unlearning Comparator jobs (Hangfire)",
            DisplayStorageConnectionString = false,
        }, hangfire.Storage);
    }

    private sealed class AdminOnly : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context) => context.GetHttpContext().User.IsAdmin();
    }
}
