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

    public static void Use(WebApplication app)
    {
        if (app.Services.GetService<HangfireStorage>() is not { } hangfire) return;   // the in-process queue (tests' core-only hosts)
        var options = new DashboardOptions
        {
            Authorization = [new AdminOnly()],
            AppPath = "/",
            DashboardTitle = "Unlearning Comparator jobs (Hangfire)",
            DisplayStorageConnectionString = false,
        };
        // The middleware itself, not UseHangfireDashboard: that one needs services.AddHangfire, whose configuration sets
        // Hangfire's process-wide log provider to this host's logger factory (a second host in the process, as in the
        // tests, then logs through a disposed factory). Storage is this host's own (no global JobStorage.Current).
        app.Map(Path, branch => branch.UseMiddleware<AspNetCoreDashboardMiddleware>(hangfire.Storage, options, DashboardRoutes.Routes));
    }

    private sealed class AdminOnly : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context) => context.GetHttpContext().User.IsAdmin();
    }
}
