using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Unlearning.Core.Data;
using Unlearning.Core.Experiments;

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

        services.AddSingleton(Options.Create(options));
        services.AddSingleton(new ResolvedPaths(dataRoot, appFolder, dbPath));
        services.AddDbContextFactory<UnlearningDbContext>(o => o.UseSqlite($"Data Source={dbPath}"));
        services.AddSingleton(new ArtifactStore(appFolder));
        services.AddSingleton(new DatasetLoader(dataRoot));
        services.AddSingleton(sp => new ExperimentStore(
            sp.GetRequiredService<IDbContextFactory<UnlearningDbContext>>(), sp.GetRequiredService<ArtifactStore>(), dataRoot));
        return services;
    }
}

/// <summary>The absolute folders and files the app uses, after resolving configuration.</summary>
public sealed record ResolvedPaths(string DataRoot, string AppFolder, string DatabasePath);
