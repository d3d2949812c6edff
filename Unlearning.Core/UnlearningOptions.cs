namespace Unlearning.Core;

/// <summary>Configuration section "Unlearning" (appsettings.json, environment variables Unlearning__X, or --Unlearning:X=...).</summary>
public sealed class UnlearningOptions
{
    public const string Section = "Unlearning";

    /// <summary>Folder with the shipped datasets and baselines (default <c>data</c>, found by walking up from the working directory).</summary>
    public string DataRoot { get; set; } = "data";

    /// <summary>Run-time state: the SQLite database and experiment artifacts (default <c>data/app</c>).</summary>
    public string AppFolder { get; set; } = "data/app";

    /// <summary>SQLite database file; default <c>{AppFolder}/unlearning.db</c>.</summary>
    public string? DatabasePath { get; set; }

    /// <summary>Torch device: <c>auto | cpu | cuda[:N]</c>.</summary>
    public string Device { get; set; } = "auto";

    /// <summary>LibTorch intra-op threads; default = number of cores.</summary>
    public int? Threads { get; set; }

    /// <summary>Folder scanned for plug-in method assemblies (*.dll).</summary>
    public string PluginsFolder { get; set; } = "plugins";

    /// <summary>Most jobs one build request may expand to (a grid of hyperparameter lists); null = the queue's default (25).</summary>
    public int? MaxJobsPerRequest { get; set; }

    /// <summary>Most jobs that may wait in the queue at once; null = the queue's default (100).</summary>
    public int? MaxQueuedJobs { get; set; }
}

/// <summary>Resolves relative folders of <see cref="UnlearningOptions"/> to absolute paths.</summary>
public static class DataPaths
{
    /// <summary>
    /// A relative data root is looked for from the working directory upwards, then from the application's
    /// folder upwards, so that <c>dotnet run --project Unlearning.Web</c>, the tests and a published app all
    /// find the repository's <c>data/</c>.
    /// </summary>
    public static string ResolveDataRoot(string dataRoot)
    {
        if (Path.IsPathRooted(dataRoot)) return dataRoot;
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, dataRoot);
                if (Directory.Exists(Path.Combine(candidate, "fashion-mnist"))) return candidate;
            }
        }
        return Path.GetFullPath(dataRoot);
    }

    /// <summary>The app folder: relative paths starting with the data root's name are placed under the resolved data root.</summary>
    public static string ResolveAppFolder(UnlearningOptions o, string resolvedDataRoot)
    {
        if (Path.IsPathRooted(o.AppFolder)) return o.AppFolder;
        var prefix = o.DataRoot.TrimEnd('/', '\\') + "/";
        var norm = o.AppFolder.Replace('\\', '/');
        return norm.StartsWith(prefix, StringComparison.Ordinal)
            ? Path.Combine(resolvedDataRoot, norm[prefix.Length..])
            : Path.GetFullPath(o.AppFolder);
    }

    public static string BaselineFolder(string dataRoot, string dataset, string architecture) =>
        Path.Combine(dataRoot, "baselines", dataset, architecture);
}
