using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Unlearning.Core.Experiments.Jobs;

/// <summary>Applies migrations, recovers interrupted jobs and starts the worker when the host starts.</summary>
public sealed class JobQueueService(ExperimentStore store, JobQueue queue, ILogger<JobQueueService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        store.Migrate();
        foreach (var d in Data.DatasetCatalog.All)
            foreach (var a in Models.ModelCatalog.All)
                store.EnsureBaselineRows(d.Id, a.Id, d.NumClasses);
        queue.Start();
        logger.LogInformation("Experiment store at {AppFolder}; job worker started.", store.Artifacts.AppFolder);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        queue.Dispose();
        return Task.CompletedTask;
    }
}
