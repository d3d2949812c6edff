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
    public static IServiceCollection AddUnlearningCore(this IServiceCollection services, IConfiguration configuration)
    {
        var options = new UnlearningOptions();
        configuration.GetSection(UnlearningOptions.Section).Bind(options);
        return services.AddUnlearningCore(options);
    }

    public static IServiceCollection AddUnlearningCore(this IServiceCollection services, UnlearningOptions options)
    {
        var dataRoot = DataPaths.ResolveDataRoot(options.DataRoot);
        var appFolder = DataPaths.ResolveAppFolder(options, dataRoot);
        var dbPath = options.DatabasePath is { Length: > 0 } p ? Path.GetFullPath(p) : Path.Combine(appFolder, "unlearning.db");
        Directory.CreateDirectory(Path.GetDirectoryName(dbPath)!);

        options.Caches.Validate();
        services.AddSingleton(Options.Create(options));
        services.AddSingleton(new ResolvedPaths(dataRoot, appFolder, dbPath));
        services.AddDbContextFactory<UnlearningDbContext>(o => o.UseSqlite($"Data Source={dbPath}"));
        services.AddSingleton(new ArtifactStore(appFolder));
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
            return queue;
        });
        services.AddHostedService<StartupJanitor>(); // before the job worker starts: nothing it removes can be in use
        services.AddHostedService<JobQueueService>();
        TorchDevice.Initialise(options.Threads);
        return services;
    }

    private const long MB = 1024 * 1024;

    private static ILogger? Logger<T>(IServiceProvider sp) => sp.GetService<ILoggerFactory>()?.CreateLogger<T>();
}

/// <summary>The absolute folders and files the app uses, after resolving configuration.</summary>
public sealed record ResolvedPaths(string DataRoot, string AppFolder, string DatabasePath);
