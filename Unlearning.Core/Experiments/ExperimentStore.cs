using Microsoft.EntityFrameworkCore;
using Unlearning.Core.Training;

namespace Unlearning.Core.Experiments;

/// <summary>
/// Reads and writes experiments and jobs. Stateless over an <see cref="IDbContextFactory{TContext}"/>:
/// every call uses its own short-lived context, so any thread (job worker, circuits, API) may call it.
/// </summary>
public sealed class ExperimentStore(IDbContextFactory<UnlearningDbContext> contexts, ArtifactStore artifacts, string dataRoot)
{
    public ArtifactStore Artifacts { get; } = artifacts;
    public string DataRoot { get; } = dataRoot;

    /// <summary>Applies migrations (creating the database file if needed).</summary>
    public void Migrate()
    {
        Directory.CreateDirectory(Artifacts.AppFolder);
        using var db = contexts.CreateDbContext();
        db.Database.Migrate();
    }

    public UnlearningDbContext NewContext() => contexts.CreateDbContext();

    /// <summary>The experiments matching every filter given, baselines first, then by creation time.</summary>
    /// <param name="forgetSetId">A forget set (docs/forget-sets.md): <c>class-{c}</c> or a stored set's id.</param>
    public IReadOnlyList<Experiment> List(string? dataset = null, string? architecture = null, int? forgetClass = null, string? forgetSetId = null)
    {
        using var db = contexts.CreateDbContext();
        IQueryable<Experiment> q = db.Experiments.AsNoTracking();
        if (dataset is not null) q = q.Where(e => e.Dataset == dataset);
        if (architecture is not null) q = q.Where(e => e.Architecture == architecture);
        if (forgetClass is not null) q = q.Where(e => e.ForgetClass == forgetClass);
        if (forgetSetId is not null) q = q.Where(e => e.ForgetSetId == forgetSetId);
        return [.. q.AsEnumerable().OrderBy(e => e.Type switch { ExperimentType.Original => 0, ExperimentType.Retrained => 1, _ => 2 }).ThenBy(e => e.CreatedUtc)];
    }

    /// <summary>The experiments of one forget set (docs/forget-sets.md), baselines first.</summary>
    public IReadOnlyList<Experiment> List(string dataset, string architecture, string forgetSetId) =>
        List(dataset, architecture, forgetClass: null, forgetSetId: forgetSetId);

    // ---- forget sets (docs/forget-sets.md) ----

    /// <summary>Stores a sample forget set; when one with its id exists already (the same draw) that one is returned unchanged.</summary>
    public ForgetSet AddForgetSet(ForgetSet set)
    {
        using var db = contexts.CreateDbContext();
        if (db.ForgetSets.AsNoTracking().FirstOrDefault(f => f.Dataset == set.Dataset && f.Id == set.Id) is { } existing) return existing;
        db.ForgetSets.Add(set);
        db.SaveChanges();
        return set;
    }

    public ForgetSet? GetForgetSet(string dataset, string id)
    {
        using var db = contexts.CreateDbContext();
        return db.ForgetSets.AsNoTracking().FirstOrDefault(f => f.Dataset == dataset && f.Id == id);
    }

    /// <summary>The stored sample forget sets of a dataset, oldest first.</summary>
    public IReadOnlyList<ForgetSet> ListForgetSets(string dataset)
    {
        using var db = contexts.CreateDbContext();
        return [.. db.ForgetSets.AsNoTracking().Where(f => f.Dataset == dataset).AsEnumerable().OrderBy(f => f.CreatedUtc).ThenBy(f => f.Id)];
    }

    /// <summary>
    /// Deletes a stored forget set with its baseline rows; refused while unlearned or uploaded models of it exist
    /// (delete those first) or a job for it waits or runs.
    /// </summary>
    public void DeleteForgetSet(string dataset, string id)
    {
        using var db = contexts.CreateDbContext();
        var set = db.ForgetSets.FirstOrDefault(f => f.Dataset == dataset && f.Id == id) ?? throw new KeyNotFoundException($"Forget set '{id}' does not exist for {dataset}.");
        var rows = db.Experiments.Where(e => e.Dataset == dataset && e.ForgetSetId == id).ToList();
        int models = rows.Count(e => !e.IsBaseline);
        if (models > 0) throw new InvalidOperationException($"Forget set '{set.Name}' still has {models} unlearned or uploaded model(s); delete them first.");
        if (db.Jobs.Any(j => j.Dataset == dataset && j.ForgetSetId == id && (j.Status == JobStatus.Queued || j.Status == JobStatus.Running)))
            throw new InvalidOperationException($"A job for forget set '{set.Name}' is queued or running; cancel it first.");
        db.Experiments.RemoveRange(rows);
        db.ForgetSets.Remove(set);
        db.SaveChanges();
        // In-app Retrained checkpoints of the set live in their experiment folders; the Original's checkpoint is shared and stays.
        foreach (var r in rows) Artifacts.Delete(r.Id);
    }

    /// <summary>
    /// Resolves a forget set id for a dataset: <c>class-{c}</c> (checked against the class count) or a stored set.
    /// Throws <see cref="KeyNotFoundException"/> for an unknown id and ArgumentException for a class out of range.
    /// </summary>
    public Data.ForgetScenario Scenario(Data.DatasetInfo info, string forgetSetId)
    {
        if (Data.ForgetSets.TryParseClassId(forgetSetId, out var c))
        {
            if (c >= info.NumClasses) throw new ArgumentException($"Forget class {c} is out of range: {info.DisplayName} has classes 0..{info.NumClasses - 1}.");
            return Data.ForgetScenario.ForClass(info, c);
        }
        var set = GetForgetSet(info.Id, forgetSetId) ?? throw new KeyNotFoundException($"Forget set '{forgetSetId}' does not exist for {info.DisplayName}.");
        return new Data.ForgetScenario(set.Id, set.Name, set.Kind, set.Class ?? -1, ParseIndexes(set.Indexes));
    }

    public static int[] ParseIndexes(string stored) =>
        [.. stored.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture))];

    public static string FormatIndexes(IEnumerable<int> indexes) =>
        string.Join(",", indexes.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Stores a forgetting-quality result (docs/metrics.md, "Forgetting quality") and returns it with its id.</summary>
    public ForgettingQualityRecord AddForgettingQuality(ForgettingQualityRecord record)
    {
        using var db = contexts.CreateDbContext();
        db.ForgettingQuality.Add(record);
        db.SaveChanges();
        return record;
    }

    /// <summary>The forgetting-quality results of a forget set, newest first.</summary>
    public IReadOnlyList<ForgettingQualityRecord> ListForgettingQuality(string dataset, string architecture, string forgetSetId)
    {
        using var db = contexts.CreateDbContext();
        return [.. db.ForgettingQuality.AsNoTracking()
            .Where(r => r.Dataset == dataset && r.Architecture == architecture && r.ForgetSetId == forgetSetId)
            .OrderByDescending(r => r.Id)];
    }

    /// <summary>The newest forgetting-quality result of a group key, or null.</summary>
    public ForgettingQualityRecord? LatestForgettingQuality(string groupKey)
    {
        using var db = contexts.CreateDbContext();
        return db.ForgettingQuality.AsNoTracking().Where(r => r.GroupKey == groupKey).OrderByDescending(r => r.Id).FirstOrDefault();
    }

    public ForgettingQualityRecord? GetForgettingQuality(long id)
    {
        using var db = contexts.CreateDbContext();
        return db.ForgettingQuality.AsNoTracking().FirstOrDefault(r => r.Id == id);
    }

    public Experiment? Get(string id)
    {
        using var db = contexts.CreateDbContext();
        return db.Experiments.AsNoTracking().FirstOrDefault(e => e.Id == id);
    }

    public bool Exists(string id)
    {
        using var db = contexts.CreateDbContext();
        return db.Experiments.Any(e => e.Id == id);
    }

    /// <summary>
    /// Adds an experiment. A row that names only its forget class (an import of the original format, rows made before
    /// forget sets) belongs to that class's forget set.
    /// </summary>
    public void Add(Experiment e)
    {
        if (string.IsNullOrEmpty(e.ForgetSetId) && e.ForgetClass >= 0) e.ForgetSetId = Data.ForgetSets.ClassId(e.ForgetClass);
        using var db = contexts.CreateDbContext();
        db.Experiments.Add(e);
        db.SaveChanges();
    }

    /// <summary>Longest tags/notes text a row keeps.</summary>
    public const int MaxNotesLength = 2000;

    /// <summary>
    /// Sets a row's tags/notes (docs/views.md, "Screening table"): trimmed, empty = none; only that column is written,
    /// so an evaluation finishing meanwhile keeps its numbers.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No experiment has <paramref name="id"/>.</exception>
    /// <exception cref="ArgumentException">The text is longer than <see cref="MaxNotesLength"/>.</exception>
    public Experiment SetNotes(string id, string? notes)
    {
        var text = string.IsNullOrWhiteSpace(notes) ? null : notes.Trim();
        if (text is { Length: > MaxNotesLength }) throw new ArgumentException($"Notes are limited to {MaxNotesLength} characters (got {text.Length}).", nameof(notes));
        using var db = contexts.CreateDbContext();
        var e = db.Experiments.FirstOrDefault(x => x.Id == id) ?? throw new KeyNotFoundException($"Experiment '{id}' does not exist.");
        e.Notes = text;
        db.SaveChanges();
        return e;
    }

    public void Update(Experiment e)
    {
        if (string.IsNullOrEmpty(e.ForgetSetId) && e.ForgetClass >= 0) e.ForgetSetId = Data.ForgetSets.ClassId(e.ForgetClass);
        using var db = contexts.CreateDbContext();
        db.Experiments.Update(e);
        db.SaveChanges();
    }

    /// <summary>Deletes an experiment and its files. Baselines cannot be deleted.</summary>
    public void Delete(string id)
    {
        using var db = contexts.CreateDbContext();
        var e = db.Experiments.FirstOrDefault(x => x.Id == id) ?? throw new KeyNotFoundException($"Experiment '{id}' does not exist.");
        if (e.IsBaseline) throw new InvalidOperationException($"Experiment '{id}' is a {e.Type} baseline and cannot be deleted.");
        db.Experiments.Remove(e);
        db.SaveChanges();
        Artifacts.Delete(id);
    }

    /// <summary>Absolute path of an experiment's checkpoint. Shipped baselines live under the data root.</summary>
    public string ResolveCheckpoint(Experiment e) =>
        e.CheckpointPath is null ? throw new InvalidOperationException($"Experiment '{e.Id}' has no checkpoint.") : ResolveStoredPath(e.CheckpointPath);

    private string ResolveStoredPath(string stored) =>
        stored.StartsWith("baselines/", StringComparison.Ordinal) ? Path.Combine(DataRoot, stored) : Artifacts.Resolve(stored);

    /// <summary>
    /// Makes sure every shipped (or previously trained) baseline of (dataset, architecture) has its rows:
    /// for each forget class one Original row (<c>000{fc}</c>) and, where the Retrained checkpoint exists,
    /// one Retrained row (<c>a00{fc}</c>). New rows are Pending until the evaluation job has run.
    /// Returns the ids of rows that still need evaluation.
    /// </summary>
    public IReadOnlyList<string> EnsureBaselineRows(string dataset, string architecture, int numClasses)
    {
        var pending = new List<string>();
        foreach (var (folder, stored) in BaselineFolders(dataset, architecture))
        {
            var manifest = BaselineManifest.TryLoad(folder);
            if (manifest is null) continue;
            using var db = contexts.CreateDbContext();
            // Class sets have shipped or trained Original and Retrained models; a stored sample set shares the Original
            // (its Retrained models are trained in the app, as experiments of their own: see JobRunner).
            var scenarios = Enumerable.Range(0, numClasses).Select(fc => (SetId: Data.ForgetSets.ClassId(fc), Class: fc, Retrained: manifest.Retrained(fc)))
                .Concat(db.ForgetSets.AsNoTracking().Where(f => f.Dataset == dataset).AsEnumerable().Select(f => (SetId: f.Id, Class: f.Class ?? -1, Retrained: (BaselineEntry?)null)))
                .ToList();
            foreach (var (setId, fc, retrainedEntry) in scenarios)
            {
                foreach (var (entry, type, id) in new[]
                         {
                             (manifest.Original, ExperimentType.Original, ExperimentIds.Original(dataset, architecture, setId)),
                             (retrainedEntry, ExperimentType.Retrained, ExperimentIds.Retrained(dataset, architecture, setId)),
                         })
                {
                    if (entry is null) continue;
                    var checkpoint = Path.Combine(folder, entry.File);
                    if (!File.Exists(checkpoint)) continue;
                    var sha = CheckpointFingerprint(checkpoint);
                    var storedPath = stored + "/" + entry.File;
                    double? rt = type == ExperimentType.Retrained ? entry.TrainSeconds : null;
                    var existing = db.Experiments.FirstOrDefault(e => e.Id == id);
                    // The checkpoint behind this row changed (new baselines shipped, or a row from before fingerprints): its
                    // stored numbers belong to another model. A row backed by another folder's file (an in-app trained model
                    // replacing a shipped one) is left alone.
                    if (existing is not null && existing.CheckpointSha256 != sha && SameFile(ResolveCheckpoint(existing), checkpoint))
                        foreach (var again in Rebind(db, existing, storedPath, sha, manifest.Recipe, entry.Seed, rt))
                            if (!pending.Contains(again)) pending.Add(again);
                    if (existing is null)
                    {
                        db.Experiments.Add(new Experiment
                        {
                            Id = id, Dataset = dataset, Architecture = architecture, ForgetClass = fc, ForgetSetId = setId, Type = type,
                            Method = type == ExperimentType.Retrained ? "Retrain" : null,
                            Epochs = manifest.Recipe.Epochs, BatchSize = manifest.Recipe.BatchSize, LearningRate = manifest.Recipe.LearningRate,
                            Seed = entry.Seed,
                            // RT is "N/A" for the Original (docs/metrics.md, "Run time (RT)"); the Retrained model's RT is its training time.
                            RT = rt,
                            // The original system's CreatedAt for baselines is the epoch (+1 s for Retrained): they sort first.
                            CreatedUtc = DateTime.UnixEpoch.AddSeconds(type == ExperimentType.Retrained ? 1 : 0),
                            Status = ExperimentStatus.Pending,
                            CheckpointPath = storedPath,
                            CheckpointSha256 = sha,
                        });
                        pending.Add(id);
                    }
                    else if (existing.Status != ExperimentStatus.Ready) pending.Add(id);
                }
            }
            db.SaveChanges();
        }
        return pending;
    }

    private static bool SameFile(string a, string b) => string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), StringComparison.Ordinal);

    /// <summary>
    /// Backs a baseline row with a (new) checkpoint, trained with <paramref name="recipe"/> and <paramref name="seed"/>
    /// (<paramref name="rt"/>: its training time, Retrained only), and sends the row back to Pending without its old numbers.
    /// A Retrained row also sends the Original row of its class back: that row's privacy score and CKA were measured against
    /// the Retrained model being replaced. An Original row sends the first Retrained row of its forget set back: that row's
    /// CKA against the Original and its embedding (aligned to the Original's) were measured against the Original being
    /// replaced. Other rows measured against a replaced baseline become stale (<see cref="StaleReferences"/>).
    /// </summary>
    public void RebindBaseline(string id, string checkpointPath, TrainOptions recipe, long seed, double? rt)
    {
        using var db = contexts.CreateDbContext();
        var row = db.Experiments.Find(id) ?? throw new KeyNotFoundException($"Experiment '{id}' does not exist.");
        Rebind(db, row, checkpointPath, CheckpointFingerprint(ResolveStoredPath(checkpointPath)), recipe, seed, rt);
        db.SaveChanges();
    }

    /// <summary>See <see cref="RebindBaseline"/>; returns the ids of the rows it sent back to Pending.</summary>
    private static List<string> Rebind(UnlearningDbContext db, Experiment row, string checkpointPath, string sha, TrainOptions recipe, long seed, double? rt)
    {
        if (!row.IsBaseline) throw new InvalidOperationException($"Experiment '{row.Id}' is not a baseline.");
        row.CheckpointPath = checkpointPath;
        row.CheckpointSha256 = sha;
        row.Epochs = recipe.Epochs;
        row.BatchSize = recipe.BatchSize;
        row.LearningRate = recipe.LearningRate;
        row.Seed = seed;
        row.RT = rt;
        ClearEvaluation(row);
        var rows = new List<string> { row.Id };
        if (row.Type == ExperimentType.Retrained && row.Id == ExperimentIds.Retrained(row.Dataset, row.Architecture, row.ForgetSetId)
            && db.Experiments.Find(ExperimentIds.Original(row.Dataset, row.Architecture, row.ForgetSetId)) is { } original)
        {
            ClearEvaluation(original);
            rows.Add(original.Id);
        }
        if (row.Type == ExperimentType.Original
            && db.Experiments.Find(ExperimentIds.Retrained(row.Dataset, row.Architecture, row.ForgetSetId)) is { } retrained
            && retrained.Status != ExperimentStatus.Pending)
        {
            ClearEvaluation(retrained);
            rows.Add(retrained.Id);
        }
        return rows;
    }

    /// <summary>
    /// Whether <paramref name="e"/>'s results were measured against references that have been replaced since
    /// (<see cref="StaleReferences.Check"/> against the current Original and first Retrained row of its forget set).
    /// </summary>
    public StaleStatus Staleness(Experiment e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (StaleReferences.IsReference(e) || string.IsNullOrEmpty(e.ForgetSetId)) return StaleStatus.Current;
        return StaleReferences.Check(e, Get(ExperimentIds.Original(e.Dataset, e.Architecture, e.ForgetSetId)),
            Get(ExperimentIds.Retrained(e.Dataset, e.Architecture, e.ForgetSetId)));
    }

    /// <summary>Sends a stored row back to Pending without its numbers (its model changed, or what it was measured against did).</summary>
    public void ClearEvaluation(string id)
    {
        using var db = contexts.CreateDbContext();
        ClearEvaluation(db.Experiments.Find(id) ?? throw new KeyNotFoundException($"Experiment '{id}' does not exist."));
        db.SaveChanges();
    }

    /// <summary>Removes a row's evaluation (numbers, stage times, results path) and marks it Pending.</summary>
    public static void ClearEvaluation(Experiment e)
    {
        e.UA = e.RA = e.TUA = e.TRA = e.PS = e.MIA = e.RetainMia = null;
        e.StageTimesJson = "{}";
        e.ResultsPath = null;
        e.Status = ExperimentStatus.Pending;
    }

    private static Caching.LruCache<(string Path, long Length, long Ticks), string> Fingerprints = NewFingerprintCache(1024, null);

    private static Caching.LruCache<(string Path, long Length, long Ticks), string> NewFingerprintCache(int entries, Microsoft.Extensions.Logging.ILogger? logger) =>
        new("checkpoint fingerprints", entries, _ => 1, logger);

    /// <summary>Bounds the fingerprint cache (Unlearning:Caches:Fingerprints, entries); what it held is dropped.</summary>
    public static void ConfigureFingerprintCache(int entries, Microsoft.Extensions.Logging.ILogger? logger = null) =>
        Fingerprints = NewFingerprintCache(entries, logger);

    /// <summary>SHA-256 (hex) of a checkpoint file, remembered per (path, length, modification time) in a bounded LRU cache.</summary>
    public static string CheckpointFingerprint(string path)
    {
        var info = new FileInfo(path);
        return Fingerprints.GetOrAdd((info.FullName, info.Length, info.LastWriteTimeUtc.Ticks), key =>
        {
            using var f = File.OpenRead(key.Path);
            return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(f));
        });
    }

    /// <summary>Baseline folders of (dataset, architecture): shipped under the data root, trained in-app under the app folder.</summary>
    public IEnumerable<(string Folder, string StoredPrefix)> BaselineFolders(string dataset, string architecture)
    {
        yield return (DataPaths.BaselineFolder(DataRoot, dataset, architecture), $"baselines/{dataset}/{architecture}");
        yield return (DataPaths.BaselineFolder(Artifacts.AppFolder, dataset, architecture), Path.Combine(Artifacts.AppFolder, "baselines", dataset, architecture));
    }

    /// <summary>Where jobs write baselines they train (never into the shipped folder).</summary>
    public string TrainedBaselineFolder(string dataset, string architecture) => DataPaths.BaselineFolder(Artifacts.AppFolder, dataset, architecture);

    // ---- jobs ----

    public Job AddJob(Job job)
    {
        using var db = contexts.CreateDbContext();
        db.Jobs.Add(job);
        db.SaveChanges();
        return job;
    }

    public IReadOnlyList<Job> AddJobs(IEnumerable<Job> jobs)
    {
        using var db = contexts.CreateDbContext();
        var list = jobs.ToList();
        db.Jobs.AddRange(list);
        db.SaveChanges();
        return list;
    }

    public Job? GetJob(long id)
    {
        using var db = contexts.CreateDbContext();
        return db.Jobs.AsNoTracking().FirstOrDefault(j => j.Id == id);
    }

    public IReadOnlyList<Job> ListJobs(int max = 200)
    {
        using var db = contexts.CreateDbContext();
        return [.. db.Jobs.AsNoTracking().OrderByDescending(j => j.Id).Take(max)];
    }

    public Job? NextQueuedJob()
    {
        using var db = contexts.CreateDbContext();
        return db.Jobs.AsNoTracking().Where(j => j.Status == JobStatus.Queued).OrderBy(j => j.Id).FirstOrDefault();
    }

    /// <summary>
    /// Moves a job from one status to another in one conditional UPDATE, so that two writers cannot both win: the
    /// worker claiming a queued job and a user cancelling it race on the same row, and exactly one succeeds.
    /// Returns false (and changes nothing) when the job is not in <paramref name="from"/> any more.
    /// </summary>
    public bool TryTransition(long id, JobStatus from, JobStatus to, string stage)
    {
        using var db = contexts.CreateDbContext();
        var now = DateTime.UtcNow;
        bool terminal = to is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled;
        return db.Jobs.Where(j => j.Id == id && j.Status == from).ExecuteUpdate(s => s
            .SetProperty(j => j.Status, to)
            .SetProperty(j => j.Stage, stage)
            .SetProperty(j => j.StartedUtc, j => to == JobStatus.Running ? now : j.StartedUtc)
            .SetProperty(j => j.FinishedUtc, j => terminal ? now : j.FinishedUtc)
            .SetProperty(j => j.ChangeStamp, Random.Shared.NextInt64())) == 1;
    }

    /// <summary>The queued or running job that evaluates the upload at <paramref name="uploadPath"/>, if any.</summary>
    public Job? ActiveUploadJob(string uploadPath)
    {
        using var db = contexts.CreateDbContext();
        return db.Jobs.AsNoTracking().FirstOrDefault(j => j.Kind == JobKind.Upload && j.UploadPath == uploadPath
            && (j.Status == JobStatus.Queued || j.Status == JobStatus.Running));
    }

    /// <summary>Number of jobs waiting in the queue (the instance-wide cap counts them).</summary>
    public int CountQueuedJobs()
    {
        using var db = contexts.CreateDbContext();
        return db.Jobs.Count(j => j.Status == JobStatus.Queued);
    }

    /// <summary>
    /// Writes the whole row except <see cref="Job.CancelRequested"/>, which only a cancel sets (it may come from another
    /// process while the worker writes progress); a new <see cref="Job.ChangeStamp"/> tells other processes it changed.
    /// </summary>
    public void UpdateJob(Job job)
    {
        using var db = contexts.CreateDbContext();
        job.ChangeStamp = Random.Shared.NextInt64();
        db.Jobs.Update(job);
        db.Entry(job).Property(j => j.CancelRequested).IsModified = false;
        db.SaveChanges();
    }
}
