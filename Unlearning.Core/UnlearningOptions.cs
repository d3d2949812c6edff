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

    /// <summary>Which database holds the experiments and jobs (section <c>Unlearning:Database</c>; docs/lab-workers.md).</summary>
    public DatabaseOptions Database { get; set; } = new();

    /// <summary>
    /// Root of the artifacts (checkpoints, results, uploads) that every process must see (an NFS mount in a lab;
    /// docs/lab-workers.md, "Shared folder"); default = the app folder.
    /// </summary>
    public string? SharedFolder { get; set; }

    /// <summary>Job execution through Hangfire (section <c>Unlearning:Workers</c>; docs/lab-workers.md).</summary>
    public WorkerOptions Workers { get; set; } = new();

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

/// <summary>Section <c>Unlearning:Database</c>: <c>sqlite</c> (a file in the app folder) or <c>postgres</c> with a connection string.</summary>
public sealed class DatabaseOptions
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    /// <summary><c>sqlite</c> (default) or <c>postgres</c>.</summary>
    public string Provider { get; set; } = Sqlite;

    /// <summary>Npgsql connection string when <see cref="Provider"/> is <c>postgres</c>; ignored for SQLite (see <see cref="UnlearningOptions.DatabasePath"/>).</summary>
    public string? ConnectionString { get; set; }
}

/// <summary>Section <c>Unlearning:Workers</c>: how many Hangfire workers run in this process, on which queues, and the retry rule (docs/lab-workers.md).</summary>
public sealed class WorkerOptions
{
    /// <summary>Hangfire workers in this process, each running one job at a time; null = 1. 0 = a web-only process (jobs run on <c>worker</c> processes).</summary>
    public int? LocalWorkers { get; set; }

    /// <summary>Comma-separated queues this process's workers take jobs from, in priority order (default <c>default</c>).</summary>
    public string Queues { get; set; } = "default";

    /// <summary>The queue new jobs are put on (default <c>default</c>).</summary>
    public string EnqueueQueue { get; set; } = "default";

    /// <summary>Times a job is started before it is failed when its worker keeps dying (default 2).</summary>
    public int MaxAttempts { get; set; } = 2;

    /// <summary>Seconds a running job's lease lasts without a heartbeat (written every second) before another process re-queues it (default 60).</summary>
    public int LeaseSeconds { get; set; } = 60;

    /// <summary>Seconds between Hangfire's polls of its queues (default 1).</summary>
    public double PollSeconds { get; set; } = 1;

    /// <summary>Hangfire's invisibility timeout in seconds: a fetched job whose server died is handed out again after it (default 300).</summary>
    public int InvisibilitySeconds { get; set; } = 300;

    /// <summary>The queues as a list; throws a clear error for a bad name (Hangfire takes lower-case letters, digits, '_' and '-').</summary>
    public static string[] ParseQueues(string? list, string setting)
    {
        var queues = (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (queues.Length == 0) throw new ArgumentException($"{setting}: name at least one queue, e.g. 'default' or 'gpu-0,default'.");
        foreach (var q in queues)
            if (q.Length > 50 || !q.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '-'))
                throw new ArgumentException($"{setting}: queue '{(q.Length > 50 ? q[..50] + "…" : q)}' is not a valid name: use at most 50 lower-case letters, digits, '_' and '-'.");
        return [.. queues.Distinct()];
    }

    /// <summary>Throws a clear error for a setting out of range.</summary>
    public void Validate()
    {
        if (LocalWorkers is < 0 or > 64) throw new ArgumentException("Unlearning:Workers:LocalWorkers must be between 0 and 64.");
        if (MaxAttempts is < 1 or > 100) throw new ArgumentException("Unlearning:Workers:MaxAttempts must be between 1 and 100.");
        if (LeaseSeconds is < 5 or > 3600) throw new ArgumentException("Unlearning:Workers:LeaseSeconds must be between 5 and 3600.");
        if (!(PollSeconds is >= 0.1 and <= 600)) throw new ArgumentException("Unlearning:Workers:PollSeconds must be between 0.1 and 600.");
        if (InvisibilitySeconds < LeaseSeconds || InvisibilitySeconds > 86400)
            throw new ArgumentException("Unlearning:Workers:InvisibilitySeconds must be at least LeaseSeconds and at most 86400.");
        ParseQueues(Queues, "Unlearning:Workers:Queues");
        ParseQueues(EnqueueQueue, "Unlearning:Workers:EnqueueQueue");
    }
}

/// <summary>
/// Bounds of the in-memory caches (docs/architecture.md, "Caches"). Each evicts its least recently used entries past
/// its bound and logs a line when it does; 0 keeps nothing.
/// </summary>
public sealed class CacheOptions
{
    /// <summary>Reference Gram matrices for CKA, in MB (≈ 270 MB per reference model for the compact model on Fashion-MNIST; the default holds one forget class's Original and Retrained).</summary>
    public long ReferenceGramsMB { get; set; } = 640;

    /// <summary>Opening a forget set in the app warms its reference Gram matrices on a worker, so that the first evaluation finds them cached.</summary>
    public bool WarmReferences { get; set; } = true;

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
