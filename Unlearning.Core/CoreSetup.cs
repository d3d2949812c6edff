using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Unlearning.Core.Data;
using Microsoft.Extensions.Logging;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Jobs;
using Unlearning.Core.Methods;
using Unlearning.Core.Training;

namespace Unlearning.Core;

/// <summary>Registers Unlearning.Core's services.</summary>
public static class CoreSetup
{
    /// <summary>The app's registration from configuration: jobs run through Hangfire (docs/lab-workers.md).</summary>
    public static IServiceCollection AddUnlearningCore(this IServiceCollection services, IConfiguration configuration, JobExecution jobs = JobExecution.Hangfire)
    {
        var options = new UnlearningOptions();
        configuration.GetSection(UnlearningOptions.Section).Bind(options);
        return services.AddUnlearningCore(options, jobs);
    }

    /// <param name="jobs">How jobs run: on the queue's own thread (the default here: command-line tools and tests that call
    /// <see cref="JobQueue.Start"/> without a host), through Hangfire in this process, or as a <c>worker</c> process.</param>
    public static IServiceCollection AddUnlearningCore(this IServiceCollection services, UnlearningOptions options, JobExecution jobs = JobExecution.InProcess)
    {
        var dataRoot = DataPaths.ResolveDataRoot(options.DataRoot);
        var appFolder = DataPaths.ResolveAppFolder(options, dataRoot);
        var dbPath = options.DatabasePath is { Length: > 0 } p ? Path.GetFullPath(p) : Path.Combine(appFolder, "unlearning.db");
        var database = ResolvedDatabase.From(options.Database, dbPath);
        // Artifacts (checkpoints, results, uploads) live in the shared folder that every process sees (docs/lab-workers.md).
        var artifactsRoot = options.SharedFolder is { Length: > 0 } shared ? Path.GetFullPath(shared) : appFolder;
        if (!database.IsPostgres) Directory.CreateDirectory(Path.GetDirectoryName(dbPath)!);
        options.Workers.Validate();

        options.Caches.Validate();
        services.AddSingleton(Options.Create(options));
        services.AddSingleton(new ResolvedPaths(dataRoot, artifactsRoot, dbPath));
        services.AddSingleton(database);
        if (database.IsPostgres)
        {
            var built = (DbContextOptions<UnlearningDbContext>)new DbContextOptionsBuilder<UnlearningDbContext>().UseUnlearningDatabase(database).Options;
            services.AddSingleton<IDbContextFactory<UnlearningDbContext>>(new PostgresContextFactory(built));
        }
        else services.AddDbContextFactory<UnlearningDbContext>(o => o.UseUnlearningDatabase(database));
        services.AddSingleton(new ArtifactStore(artifactsRoot));
        services.AddSingleton(sp => new DatasetLoader(dataRoot, options.Caches.DatasetsMB * MB, Logger<DatasetLoader>(sp)));
        services.AddSingleton(sp =>
        {
            ExperimentStore.ConfigureFingerprintCache(options.Caches.Fingerprints, Logger<ExperimentStore>(sp));
            return new ExperimentStore(sp.GetRequiredService<IDbContextFactory<UnlearningDbContext>>(), sp.GetRequiredService<ArtifactStore>(), dataRoot);
        });
        // A relative plugins folder is beside the data root (the repository root for a clone).
        services.AddUnlearningMethods(Path.IsPathRooted(options.PluginsFolder) ? options.PluginsFolder
            : Path.Combine(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(dataRoot)) ?? ".", options.PluginsFolder));
        services.AddSingleton<Func<JobRunner>>(sp => () => new JobRunner(
            sp.GetRequiredService<ExperimentStore>(), sp.GetRequiredService<DatasetLoader>(), sp.GetRequiredService<MethodCatalog>(),
            TorchDevice.Resolve(options.Device), sp.GetRequiredService<ILoggerFactory>().CreateLogger<JobRunner>(), options.Caches.ReferenceGramsMB * MB));
        services.AddSingleton<ExperimentTransfer>();
        services.AddSingleton(sp => new ExperimentResultsReader(sp.GetRequiredService<ExperimentStore>(), options.Caches.ResultsDocuments, Logger<ExperimentResultsReader>(sp)));
        services.AddSingleton<ForgetSetService>();
        services.AddSingleton<ForgettingQualityService>();
        if (options.MaxJobsPerRequest < 1 || options.MaxQueuedJobs < 1)
            throw new ArgumentException("Unlearning:MaxJobsPerRequest and Unlearning:MaxQueuedJobs must be at least 1.");
        services.AddSingleton(sp =>
        {
            var queue = ActivatorUtilities.CreateInstance<JobQueue>(sp);
            if (options.MaxJobsPerRequest is int perRequest) queue.MaxJobsPerRequest = perRequest;
            if (options.MaxQueuedJobs is int queued) queue.MaxQueuedJobs = queued;
            queue.WarmReferencesEnabled = options.Caches.WarmReferences && options.Caches.ReferenceGramsMB > 0;
            if (jobs != JobExecution.InProcess) queue.UseDistributedWorkers(sp.GetRequiredService<DistributedWorkers>());
            return queue;
        });
        // Before the job worker starts: nothing it removes can be in use. With PostgreSQL, workers on other machines may
        // be writing into the shared folder while this process starts, so the janitor does not run (docs/lab-workers.md).
        if (jobs != JobExecution.WorkerProcess && !database.IsPostgres) services.AddHostedService<StartupJanitor>();
        services.AddHostedService<JobQueueService>();
        // After the queue's service: Hangfire's server starts handing out jobs once the database is migrated.
        if (jobs != JobExecution.InProcess)
            services.AddHangfireJobs(database, appFolder, options.Workers, workerProcess: jobs == JobExecution.WorkerProcess);
        TorchDevice.Initialise(options.Threads);
        return services;
    }

    private const long MB = 1024 * 1024;

    private static ILogger? Logger<T>(IServiceProvider sp) => sp.GetService<ILoggerFactory>()?.CreateLogger<T>();
}

/// <summary>How the job queue's jobs are executed (docs/lab-workers.md).</summary>
public enum JobExecution
{
    /// <summary>Hangfire, with <c>Unlearning:Workers:LocalWorkers</c> workers in this (web) process.</summary>
    Hangfire,
    /// <summary>A <c>worker</c> process: Hangfire workers only.</summary>
    WorkerProcess,
    /// <summary>The queue's own worker thread (command-line benchmarks).</summary>
    InProcess,
}

/// <summary>Contexts for PostgreSQL are <see cref="PostgresUnlearningDbContext"/>, so that EF applies that provider's migrations.</summary>
internal sealed class PostgresContextFactory(DbContextOptions<UnlearningDbContext> options) : IDbContextFactory<UnlearningDbContext>
{
    public UnlearningDbContext CreateDbContext() => new PostgresUnlearningDbContext(options);
}

/// <summary>The absolute folders and files the app uses, after resolving configuration (<see cref="AppFolder"/> is the artifacts root: the shared folder when one is set).</summary>
public sealed record ResolvedPaths(string DataRoot, string AppFolder, string DatabasePath);
