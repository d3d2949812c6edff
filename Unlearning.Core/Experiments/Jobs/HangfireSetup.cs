using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.Server;
using Hangfire.States;
using Hangfire.Storage.SQLite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Unlearning.Core.Experiments.Jobs;

/// <summary>
/// The method Hangfire calls for each job (docs/lab-workers.md): only the job's id travels through Hangfire; our Job
/// row holds everything else and stays the source of truth. Hangfire's automatic retry is off: attempts are counted on
/// the row, and a dead worker's job is re-queued by the lease sweep (<see cref="JobQueue.SweepExpiredLeases"/>).
/// </summary>
public sealed class HangfireJobs(JobQueue queue)
{
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [JobDisplayName("Unlearning job {0}")]
    public void Run(long jobId, CancellationToken cancellationToken) => queue.Execute(jobId, cancellationToken);

    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    [JobDisplayName("Warm reference Gram matrices of {2} ({0}, {1})")]
    public void Warm(string dataset, string architecture, string forgetSetId, CancellationToken cancellationToken) =>
        queue.ExecuteWarm(dataset, architecture, forgetSetId, cancellationToken);
}

/// <summary>Hangfire's storage for this configuration, made once per host (no global <c>JobStorage.Current</c>, so test hosts can run side by side).</summary>
public sealed class HangfireStorage(JobStorage storage) : IDisposable
{
    public JobStorage Storage { get; } = storage;

    /// <summary>SQLite: <c>hangfire.db</c> beside the app's database; PostgreSQL: the <c>hangfire</c> schema of the same database.</summary>
    public static HangfireStorage Create(ResolvedDatabase db, string appFolder, WorkerOptions o)
    {
        var poll = TimeSpan.FromSeconds(o.PollSeconds);
        var invisibility = TimeSpan.FromSeconds(o.InvisibilitySeconds);
        if (db.IsPostgres)
        {
            var options = new PostgreSqlStorageOptions
            {
                QueuePollInterval = poll, InvisibilityTimeout = invisibility, UseSlidingInvisibilityTimeout = true,
                PrepareSchemaIfNecessary = true, SchemaName = "hangfire",
            };
            return new(new PostgreSqlStorage(new NpgsqlConnectionFactory(db.ConnectionString, options), options));
        }
        Directory.CreateDirectory(appFolder);
        return new(new SQLiteStorage(Path.Combine(appFolder, "hangfire.db"), new SQLiteStorageOptions { QueuePollInterval = poll, InvisibilityTimeout = invisibility }));
    }

    public void Dispose() => (Storage as IDisposable)?.Dispose();
}

/// <summary>Hangfire's server in this process: <see cref="WorkerOptions.LocalWorkers"/> workers on the configured queues (none in a web-only process).</summary>
public sealed class HangfireWorkerService(HangfireStorage storage, IServiceProvider services, int workers, string[] queues, ILogger<HangfireWorkerService> logger)
    : IHostedService
{
    private BackgroundJobServer? _server;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (workers == 0)
        {
            logger.LogInformation("No local job workers (Unlearning:Workers:LocalWorkers = 0): jobs run on worker processes.");
            return Task.CompletedTask;
        }
        _server = new BackgroundJobServer(new BackgroundJobServerOptions
        {
            WorkerCount = workers, Queues = queues, Activator = new ServiceJobActivator(services),
            ServerName = $"{Environment.MachineName}:{Environment.ProcessId}", ShutdownTimeout = TimeSpan.FromSeconds(30),
        }, storage.Storage);
        logger.LogInformation("{Workers} job worker(s) on queue(s) {Queues}.", workers, string.Join(", ", queues));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is { } s)
        {
            s.SendStop();
            s.WaitForShutdown(TimeSpan.FromSeconds(30));
            s.Dispose();
        }
        return Task.CompletedTask;
    }

    private sealed class ServiceJobActivator(IServiceProvider services) : JobActivator
    {
        public override object ActivateJob(Type jobType) => services.GetRequiredService(jobType);
    }
}

/// <summary>Registers Hangfire execution of the job queue (docs/lab-workers.md).</summary>
public static class HangfireJobSetup
{
    /// <param name="workerProcess">A <c>worker</c> process (no web server; see <see cref="DistributedWorkers.IsWorkerProcess"/>).</param>
    public static IServiceCollection AddHangfireJobs(this IServiceCollection services, ResolvedDatabase db, string appFolder, WorkerOptions o, bool workerProcess)
    {
        var queues = WorkerOptions.ParseQueues(o.Queues, "Unlearning:Workers:Queues");
        var enqueueQueue = WorkerOptions.ParseQueues(o.EnqueueQueue, "Unlearning:Workers:EnqueueQueue")[0];
        int local = o.LocalWorkers ?? 1;
        services.AddSingleton(_ => HangfireStorage.Create(db, appFolder, o));
        services.AddSingleton<IBackgroundJobClient>(sp => new BackgroundJobClient(sp.GetRequiredService<HangfireStorage>().Storage));
        services.AddSingleton<HangfireJobs>();
        services.AddSingleton(sp =>
        {
            var client = sp.GetRequiredService<IBackgroundJobClient>();
            return new DistributedWorkers(
                (id, queue) => client.Create<HangfireJobs>(x => x.Run(id, CancellationToken.None), new EnqueuedState(queue)),
                DistributedWorkers.NewWorkerId(), enqueueQueue, o.MaxAttempts, TimeSpan.FromSeconds(o.LeaseSeconds),
                workerProcess, RecoverAtStart: !db.IsPostgres && !workerProcess,
                DispatchWarm: (dataset, arch, set, queue) => client.Create<HangfireJobs>(x => x.Warm(dataset, arch, set, CancellationToken.None), new EnqueuedState(queue)));
        });
        services.AddHostedService(sp => new HangfireWorkerService(sp.GetRequiredService<HangfireStorage>(), sp, local, queues,
            sp.GetRequiredService<ILogger<HangfireWorkerService>>()));
        return services;
    }
}
