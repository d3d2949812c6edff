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

    /// <summary>Bounds of the in-memory caches (section <c>Unlearning:Caches</c>; docs/architecture.md, "Caches").</summary>
    public CacheOptions Caches { get; set; } = new();
}

/// <summary>
/// Bounds of the in-memory caches (docs/architecture.md, "Caches"). Each evicts its least recently used entries past
/// its bound and logs a line when it does; 0 keeps nothing.
/// </summary>
public sealed class CacheOptions
{
    /// <summary>Reference Gram matrices for CKA, in MB (≈ 270 MB per reference model for the compact model on Fashion-MNIST; the default holds one forget class's Original and Retrained).</summary>
    public long ReferenceGramsMB { get; set; } = 640;

    /// <summary>Parsed results documents of the comparison views, as a count (each 0.5–1 MB of JSON).</summary>
    public int ResultsDocuments { get; set; } = 32;

    /// <summary>Checkpoint fingerprints (SHA-256 per file version), as a count (a few hundred bytes each).</summary>
    public int Fingerprints { get; set; } = 1024;

    /// <summary>Decoded datasets (image bytes), in MB: Fashion-MNIST takes 55 MB, CIFAR-10 184 MB.</summary>
    public long DatasetsMB { get; set; } = 512;

    /// <summary>Throws a clear error for a negative bound.</summary>
    public void Validate()
    {
        if (ReferenceGramsMB < 0 || ResultsDocuments < 0 || Fingerprints < 0 || DatasetsMB < 0)
            throw new ArgumentException("Unlearning:Caches: every bound (ReferenceGramsMB, ResultsDocuments, Fingerprints, DatasetsMB) must be 0 or more.");
    }
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
