using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Unlearning.Core.Experiments.Jobs;

/// <summary>Applies migrations, then starts the queue (recovery, baseline rows, worker) when the host starts.</summary>
public sealed class JobQueueService(ExperimentStore store, JobQueue queue, ILogger<JobQueueService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        store.Migrate();
        queue.Start();
        logger.LogInformation(queue.IsDistributed ? "Experiment store at {AppFolder}; jobs run through Hangfire." : "Experiment store at {AppFolder}; job worker started.",
            store.Artifacts.AppFolder);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        queue.Dispose();
        return Task.CompletedTask;
    }
}
