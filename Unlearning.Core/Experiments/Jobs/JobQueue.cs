using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Unlearning.Core.Data;
using Unlearning.Core.Methods;
using Unlearning.Core.Models;
using Unlearning.Core.Training;

namespace Unlearning.Core.Experiments.Jobs;

/// <summary>
/// The server-side job queue (docs/views.md, "Job queue and progress"): jobs are persisted in SQLite, run one at a time on one dedicated
/// worker thread per device (TorchSharp dispose scopes are thread-static), report progress to every
/// subscriber, and can be cancelled while queued or running.
/// </summary>
public sealed partial class JobQueue : IDisposable
{
    private readonly ExperimentStore _store;
    private readonly DatasetLoader _datasets;
    private readonly MethodCatalog _methods;
    private readonly Func<IJobRunner> _runnerFactory;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _signal = new(0);
    private readonly ConcurrentDictionary<long, CancellationTokenSource> _running = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly object _enqueueLock = new();
    private Thread? _worker;
    private readonly BaselinePreparation _baselines;

    public JobQueue(ExperimentStore store, DatasetLoader datasets, MethodCatalog methods, Func<JobRunner> runnerFactory, ILogger<JobQueue> logger)
        : this(store, datasets, methods, logger, runnerFactory)
    {
    }

    /// <summary>A queue whose worker runs jobs with any <see cref="IJobRunner"/> (tests pass a fake one).</summary>
    internal JobQueue(ExperimentStore store, DatasetLoader datasets, MethodCatalog methods, ILogger<JobQueue> logger, Func<IJobRunner> runnerFactory)
    {
        _store = store;
        _datasets = datasets;
        _methods = methods;
        _runnerFactory = runnerFactory;
        _logger = logger;
        _baselines = new BaselinePreparation(store);
    }

    /// <summary>Most jobs one request may expand to (a grid's combinations); larger requests are refused with a message naming both numbers.</summary>
    public int MaxJobsPerRequest { get; set; } = MethodOptionsParser.DefaultMaxJobsPerRequest;

    /// <summary>Most jobs that may wait in the queue at once, over all users (<c>Unlearning:MaxQueuedJobs</c>).</summary>
    public int MaxQueuedJobs { get; set; } = DefaultMaxQueuedJobs;

    public const int DefaultMaxQueuedJobs = 100;

    /// <summary>Raised (on the worker or caller thread) whenever a job changes; the argument is a snapshot.</summary>
    public event Action<Job>? JobChanged;

    /// <summary>Raised when an experiment was added or deleted (dataset, architecture, forget set id).</summary>
    public event Action<string, string, string>? ExperimentsChanged;

    /// <summary>Latest live snapshot of each job seen by this process (progress updates are not all written to the database).</summary>
    private readonly ConcurrentDictionary<long, Job> _live = new();

    /// <summary>
    /// Start-up recovery, baseline rows, then the worker thread. A job left "Running" by a crash is marked failed and
    /// the files written under its reserved experiment id are removed, as are leftover temporary files. The baseline
    /// rows of every dataset and architecture are made (checkpoints fingerprinted) before any request can arrive, so
    /// that <see cref="Enqueue"/> only reads them.
    /// </summary>
    public void Start()
    {
        if (_workers is not null) { StartDistributed(); return; }
        RecoverInterruptedJobs();
        _baselines.EnsureAllRows();
        _worker = new Thread(WorkerLoop) { IsBackground = true, Name = "unlearning-jobs" };
        _worker.Start();
        _signal.Release();
    }

    public int RecoverInterruptedJobs()
    {
        int n = 0;
        using (var db = _store.NewContext())
        {
            foreach (var job in db.Jobs.Where(j => j.Status == JobStatus.Running).ToList())
            {
                job.Status = JobStatus.Failed;
                job.Error = "The server stopped while this job was running; its partial files were removed.";
                job.FinishedUtc = DateTime.UtcNow;
                if (job.ReservedExperimentId is { } id && !db.Experiments.Any(e => e.Id == id)) _store.Artifacts.Delete(id);
                n++;
            }
            db.SaveChanges();
        }
        int tmp = _store.Artifacts.RemoveTemporaryFiles();
        if (n > 0 || tmp > 0) _logger.LogWarning("Recovered {Jobs} interrupted job(s); removed {Files} temporary file(s).", n, tmp);
        return n;
    }

    private static string? OwnerOf(JobRequest request) =>
        request.Owner is { Length: > Job.MaxOwnerLength } ? throw new ArgumentException($"An owner name has at most {Job.MaxOwnerLength} characters.") : request.Owner;

    /// <summary>Validates a request and enqueues one job per hyperparameter combination. Throws ArgumentException (and KeyNotFoundException for unknown ids) with a clear message.</summary>
    public IReadOnlyList<Job> Enqueue(JobRequest request)
    {
        var info = DatasetCatalog.TryGet(request.Dataset) ?? throw new ArgumentException($"Unknown dataset '{request.Dataset}'. Known: {string.Join(", ", DatasetCatalog.All.Select(d => d.Id))}.");
        var arch = ModelCatalog.TryGet(request.Architecture) ?? throw new ArgumentException($"Unknown architecture '{request.Architecture}'. Known: {string.Join(", ", ModelCatalog.All.Select(a => a.Id))}.");
        if (!_datasets.IsAvailable(info))
            throw new ArgumentException($"{info.DisplayName} is not available on this server: {info.Folder}/{Path.GetFileName(DatasetLoader.RequiredFiles(info, _datasets.DataRoot).First(f => !File.Exists(f)))} is missing under the data folder ({info.SourceHint}).");
        if (request.ForgetSet is null && (request.ForgetClass < 0 || request.ForgetClass >= info.NumClasses))
            throw new ArgumentException($"Forget class {request.ForgetClass} is out of range: {info.DisplayName} has classes 0..{info.NumClasses - 1}.");
        if (request.TrackEpochMetrics && request.Kind != JobKind.Unlearn)
            throw new ArgumentException("Per-epoch metrics are recorded for unlearning jobs only; turn the option off for this job.");
        var scenario = _store.Scenario(info, request.ForgetSetId);
        var seeds = SeedsOf(request);

        var jobs = new List<Job>();
        Job NewJob(JobKind kind, long seed, string? method = null, string? baseId = null, Dictionary<string, double>? hp = null) => new()
        {
            Kind = kind, Dataset = info.Id, Architecture = arch.Id, ForgetClass = scenario.ForgetClass, ForgetSetId = scenario.Id,
            Method = method, BaseExperimentId = baseId,
            HyperparametersJson = JobOptions.Serialize(hp, kind == JobKind.Unlearn && request.TrackEpochMetrics), Seed = seed, UploadPath = request.UploadPath,
            Owner = OwnerOf(request), Status = JobStatus.Queued, Stage = "Queued", Step = JobStep.Queued, CreatedUtc = DateTime.UtcNow,
            Queue = _workers?.EnqueueQueue ?? "default",
        };
        switch (request.Kind)
        {
            case JobKind.Unlearn:
            {
                var method = _methods.Get(request.Method ?? throw new ArgumentException("Choose a method."));
                if (method.ClassWiseOnly && !scenario.IsClassWise)
                    throw new ArgumentException($"{method.DisplayName} forgets whole classes only; '{scenario.Name}' is a sample forget set. Choose another method or a class forget set.");
                var baseId = request.BaseExperimentId ?? ExperimentIds.Original(info.Id, arch.Id, scenario.Id);
                var baseExp = _store.Get(baseId) ?? (request.BaseExperimentId is null ? null : throw new KeyNotFoundException($"Base experiment '{baseId}' does not exist."));
                if (baseExp is not null)
                {
                    if (baseExp.Dataset != info.Id || baseExp.Architecture != arch.Id)
                        throw new ArgumentException($"Base experiment '{baseId}' is a {baseExp.Dataset}/{baseExp.Architecture} model, not {info.Id}/{arch.Id}.");
                    if (baseExp.ForgetSetId != scenario.Id)
                        throw new ArgumentException($"Base experiment '{baseId}' belongs to another forget set ('{baseExp.ForgetSetId}', not '{scenario.Id}').");
                    if (baseExp.CheckpointPath is null) throw new ArgumentException($"Base experiment '{baseId}' has no checkpoint (imported results cannot be unlearned further).");
                }
                // A sample set's Original row is made by the worker (it fingerprints the checkpoint); the default base is fine without it.
                else if (scenario.IsClassWise) throw new KeyNotFoundException($"Base experiment '{baseId}' does not exist.");
                var combinations = MethodOptionsParser.Expand(method, arch.Id, request.Hyperparameters, MaxJobsPerRequest);
                if (combinations.Count * seeds.Length > MaxJobsPerRequest)
                    throw new ArgumentException($"This request expands to {combinations.Count} combination(s) × {seeds.Length} seed(s) = {combinations.Count * seeds.Length} jobs; at most {MaxJobsPerRequest} per request.");
                var group = combinations.Count * seeds.Length > 1 ? Guid.NewGuid().ToString("N")[..8] : null;
                foreach (var hp in combinations)
                    foreach (var seed in seeds)
                        jobs.Add(Set(NewJob(JobKind.Unlearn, seed, method.Name, baseId, hp), group));
                break;
            }
            case JobKind.Upload:
                if (request.UploadPath is null) throw new ArgumentException("An upload job needs an uploaded file (POST /api/uploads).");
                if (!File.Exists(_store.Artifacts.Resolve(request.UploadPath)))
                    throw new KeyNotFoundException($"The upload '{Path.GetFileNameWithoutExtension(request.UploadPath)}' does not exist; upload the file again.");
                jobs.Add(NewJob(JobKind.Upload, seeds[0], "Custom"));
                break;
            case JobKind.Evaluate:
                jobs.Add(NewJob(JobKind.Evaluate, seeds[0]));
                break;
            case JobKind.Depth:
                jobs.Add(NewJob(JobKind.Depth, seeds[0], null, DepthJob.CheckTarget(_store, info, arch, scenario, request.BaseExperimentId)));
                break;
            case JobKind.TrainOriginal:
            case JobKind.Retrain:
            {
                var hp = request.Hyperparameters.ToDictionary(kv => kv.Key, kv => kv.Value.Length == 1 ? kv.Value[0] : throw new ArgumentException($"'{kv.Key}' takes one value for training jobs."));
                if (request.Kind == JobKind.TrainOriginal && seeds.Length > 1) throw new ArgumentException("The Original model is trained with one seed.");
                foreach (var seed in seeds)
                {
                    arch.DefaultRecipe(info).WithOverrides(hp, seed);   // refuses bad values now rather than on the worker
                    jobs.Add(NewJob(request.Kind, seed, request.Kind == JobKind.Retrain ? "Retrain" : null, null, hp));
                }
                break;
            }
            case JobKind.ForgettingQuality:
            {
                int k = request.GroupSize ?? Results.ForgettingQualityPlan.DefaultK;
                if (Results.ForgettingQualityPlan.GroupSizeProblem(k) is { } problem) throw new ArgumentException(problem);
                var run = _store.Get(request.BaseExperimentId ?? throw new ArgumentException("Name a run of the group (baseExperimentId)."))
                    ?? throw new KeyNotFoundException($"Experiment '{request.BaseExperimentId}' does not exist.");
                if (run.Type != ExperimentType.Unlearned)
                    throw new ArgumentException($"Forgetting quality compares a group of unlearned runs with Retrained models; '{run.Id}' is a {run.Type} model.");
                if (run.Dataset != info.Id || run.Architecture != arch.Id || run.ForgetSetId != scenario.Id)
                    throw new ArgumentException($"Experiment '{run.Id}' belongs to {run.Dataset}/{run.Architecture}/{run.ForgetSetId}, not {info.Id}/{arch.Id}/{scenario.Id}.");
                var fqOptions = new Dictionary<string, double> { ["k"] = k };
                if (request.IncludeStale) fqOptions[ForgettingQualityJobs.IncludeStaleKey] = 1;
                jobs.Add(NewJob(JobKind.ForgettingQuality, seeds[0], run.Method, run.Id, fqOptions));
                break;
            }
            default:
                throw new ArgumentException($"Unknown job kind {request.Kind}.");
        }
        lock (_enqueueLock)
        {
            // One job per upload: the job deletes the file when it ends, so a second job on it would find nothing.
            if (request.Kind == JobKind.Upload && request.UploadPath is { } upload && _store.ActiveUploadJob(upload) is { } active)
                throw new InvalidOperationException($"This upload is already being evaluated by job {active.Id}.");
            int queued = _store.CountQueuedJobs();
            if (queued + jobs.Count > MaxQueuedJobs)
                throw new QueueFullException(
                    $"The queue holds {queued} waiting job(s) and this request adds {jobs.Count}; at most {MaxQueuedJobs} may wait at once. Cancel some or wait for them to run.");
            _store.AddJobs(jobs);
        }
        foreach (var j in jobs) Publish(j);
        if (_workers is not null) DispatchNew(jobs);
        else _signal.Release();
        return jobs;

        static Job Set(Job j, string? group) { j.GroupId = group; return j; }
    }

    /// <summary>Most seeds one request may list (docs/forget-sets.md, "Groups").</summary>
    public const int MaxSeeds = 10;

    /// <summary>The default seed of a job that names none (the original system's).</summary>
    public const long DefaultSeed = 2048;

    /// <summary>The request's seeds: <see cref="JobRequest.Seeds"/> (1..10 distinct, ≥ 0), else <see cref="JobRequest.Seed"/>, else 2048.</summary>
    public static long[] SeedsOf(JobRequest request)
    {
        if (request.Seeds is { Length: 0 }) throw new ArgumentException("'seeds' is empty: give at least one seed.");
        var seeds = request.Seeds ?? [request.Seed ?? DefaultSeed];
        return SeedProblem(seeds) is { } problem ? throw new ArgumentException(problem) : seeds;
    }

    /// <summary>What is wrong with a list of seeds (too many, negative, repeated), or null: the one rule of the queue, the API and the builder's field.</summary>
    public static string? SeedProblem(IReadOnlyList<long> seeds) =>
        seeds.Count > MaxSeeds ? $"At most {MaxSeeds} seeds per request; this one lists {seeds.Count}."
        : seeds.Any(s => s < 0) ? "Seeds must be ≥ 0."
        : seeds.Distinct().Count() != seeds.Count ? $"A seed is listed twice ({string.Join(", ", seeds)})."
        : null;

    /// <summary>
    /// Queues one Evaluate job for the baselines of a forget set when a baseline row of it is still Pending (or, for a
    /// sample set, its Original row does not exist yet: the worker makes it) and no Evaluate job for it is queued or
    /// running; returns the job, or null when nothing needed queuing. Reads the database only: the job prepares rows
    /// and fingerprints on the worker. Call it on a user's request, not as a side effect of opening a page.
    /// </summary>
    public Job? RequestBaselineEvaluation(string dataset, string architecture, string forgetSetId)
    {
        lock (_enqueueLock)
        {
            if (!_baselines.NeedsEvaluation(dataset, architecture, forgetSetId)) return null;
            bool waiting = List(200).Any(j => j.Kind == JobKind.Evaluate && j.Status is JobStatus.Queued or JobStatus.Running
                                              && j.Dataset == dataset && j.Architecture == architecture && j.ForgetSetId == forgetSetId);
            if (waiting) return null;
            return Enqueue(new JobRequest { Kind = JobKind.Evaluate, Dataset = dataset, Architecture = architecture, ForgetSet = forgetSetId })[0];
        }
    }

    /// <summary>
    /// Cancels a queued job at once, or asks a running one to stop at its next batch. Returns false when the job had
    /// already ended. The queued → cancelled step is one conditional UPDATE racing the worker's queued → running claim
    /// (<see cref="ExperimentStore.TryTransition"/>), so a cancelled job never starts and a started one is stopped
    /// through its token (the worker registers the token before it claims the job).
    /// </summary>
    public bool Cancel(long id)
    {
        if (_store.TryTransition(id, JobStatus.Queued, JobStatus.Cancelled, "Cancelled"))
        {
            var job = _store.GetJob(id)!;
            DeleteUpload(job);
            Publish(job);
            _signal.Release();
            return true;
        }
        if (_running.TryGetValue(id, out var cts)) { cts.Cancel(); return true; }
        // A job running in another process (a worker): the flag reaches it with its next heartbeat (docs/lab-workers.md).
        if (_workers is not null && JobLeases.RequestCancel(_store, id)) return true;
        _ = _store.GetJob(id) ?? throw new KeyNotFoundException($"Job {id} does not exist.");
        return false;
    }

    /// <summary>All jobs, newest first, with live progress merged in.</summary>
    public IReadOnlyList<Job> List(int max = 200) =>
        [.. _store.ListJobs(max).Select(j => _live.TryGetValue(j.Id, out var live) && live.Status == JobStatus.Running ? live : j)];

    public Job? Get(long id) => _live.TryGetValue(id, out var live) && live.Status == JobStatus.Running ? live : _store.GetJob(id);

    private void Publish(Job job)
    {
        var snapshot = job.Snapshot();
        _live[job.Id] = snapshot;
        try { JobChanged?.Invoke(snapshot); }
        catch (Exception e) { _logger.LogWarning(e, "A job subscriber failed."); }
    }


    private void WorkerLoop()
    {
        IJobRunner? runner = null;
        while (!_shutdown.IsCancellationRequested)
        {
            try { _signal.Wait(TimeSpan.FromSeconds(2), _shutdown.Token); }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException) { break; }
            try
            {
                Job? job;
                while (!_shutdown.IsCancellationRequested && (job = _store.NextQueuedJob()) is not null)
                {
                    runner ??= _runnerFactory();
                    RunOne(runner, job);
                }
            }
            catch (Exception) when (_shutdown.IsCancellationRequested)
            {
                // The host is going down under a running job (its database may already be disposed): stop quietly;
                // start-up recovery marks the job failed and removes its partial files.
                break;
            }
            catch (Exception e)
            {
                // A store failure must not kill the process from this background thread; the worker retries at the
                // next signal or after its 2-second wait. A job caught mid-run stays "Running" until start-up recovery.
                TryLog(() => _logger.LogError(e, "The job worker failed; it retries with the next queued job."));
            }
        }
    }

    private static void TryLog(Action log)
    {
        try { log(); }
        catch (ObjectDisposedException) { }
    }

    /// <summary>
    /// The worker's claim of a job it read from the queue: registers the job's token first (so a cancel that loses
    /// the race below still reaches it), then moves the row queued → running atomically. Returns false when the job
    /// was cancelled in between; it then never starts.
    /// </summary>
    internal bool TryStart(Job job, CancellationTokenSource cancellation)
    {
        _running[job.Id] = cancellation;
        if (_store.TryTransition(job.Id, JobStatus.Queued, JobStatus.Running, "Starting")) return true;
        _running.TryRemove(job.Id, out _);
        if (_store.GetJob(job.Id) is { } current) Publish(current);
        return false;
    }

    private void RunOne(IJobRunner runner, Job job)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
        if (!TryStart(job, cts)) return;
        RunStarted(runner, job, cts, null);
    }

    /// <summary>
    /// Runs a job this process has claimed. <paramref name="lease"/> is null on the in-process worker; for a Hangfire
    /// worker it writes progress and renews the lease every second, and stops the job when a cancel is requested in
    /// the database or the lease was taken (docs/lab-workers.md, "Progress and cancel").
    /// </summary>
    private void RunStarted(IJobRunner runner, Job job, CancellationTokenSource cts, LeaseContext? lease)
    {
        job.Status = JobStatus.Running;
        job.Stage = "Starting";
        job.Step = JobPipeline.Steps(job.Kind)[0];
        job.StepProgress = 0;
        job.StartedUtc = DateTime.UtcNow;
        job.Device = runner.Device.ToString();
        if (job.Kind is JobKind.Unlearn or JobKind.Upload)
            job.ReservedExperimentId = ExperimentIds.NewRandom(id => _store.Exists(id) || Directory.Exists(_store.Artifacts.FolderOf(id)));
        _store.UpdateJob(job);
        Publish(job);
        using var heartbeat = lease is null ? null : StartHeartbeat(job, cts, lease);
        var lastWrite = DateTime.MinValue;
        var lastPublish = DateTime.MinValue;
        var stepStarted = DateTime.UtcNow;
        void ReportLocked(JobProgressUpdate u)
        {
            var now = DateTime.UtcNow;
            if (u.Step != job.Step || u.Stage != job.Stage) stepStarted = now;
            job.Step = u.Step;
            job.Stage = u.Stage;
            job.StepProgress = Math.Clamp(u.StepProgress, 0, 1);
            job.Progress = Math.Clamp(u.Progress, 0, 1);
            if (u.Epoch is not null) { job.Epoch = u.Epoch; job.TotalEpochs = u.TotalEpochs; }
            // A step that cannot tell its ETA (evaluation stages) gets one from its own pace so far.
            double elapsed = (now - stepStarted).TotalSeconds;
            job.EtaSeconds = u.EtaSeconds ?? (job.StepProgress is > 0.02 and < 1 && elapsed > 1 ? elapsed / job.StepProgress * (1 - job.StepProgress) : null);
            if (u.ForgetAccuracy is not null) job.ForgetAccuracy = u.ForgetAccuracy;
            if (u.RetainAccuracy is not null) job.RetainAccuracy = u.RetainAccuracy;
            if (now - lastPublish > TimeSpan.FromMilliseconds(200)) { lastPublish = now; Publish(job); }
            // A Hangfire worker's heartbeat writes progress (at most once a second); the in-process worker does it here.
            if (lease is null && now - lastWrite > TimeSpan.FromSeconds(2)) { lastWrite = now; _store.UpdateJob(job); }
        }
        void Report(JobProgressUpdate u)
        {
            lock (job) ReportLocked(u);
        }
        bool retried = false;
        try
        {
            var resultId = RunRetryingNativeFailureOnce(runner, job, Report, cts, ref retried);
            job.Status = JobStatus.Succeeded;
            job.Stage = retried ? "Done (after one retry of a native LibTorch error)" : "Done";
            job.StepProgress = 1;
            job.Progress = 1;
            job.EtaSeconds = 0;
            job.ResultExperimentId = resultId;
        }
        catch (Exception e) when (lease is not null && !lease.UserCancelled && (lease.Lost || (e is OperationCanceledException && cts.IsCancellationRequested)))
        {
            // Not a user's cancel: this worker lost the job's lease, or its process is shutting down. The job is not
            // over: its partial files go and it is queued again for another attempt (docs/lab-workers.md).
            heartbeat?.Dispose();
            _running.TryRemove(job.Id, out _);
            lock (job) HandBack(job, lease);
            return;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            job.Status = JobStatus.Cancelled;
            job.Stage = "Cancelled";
            CleanUp(job);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Job {Id} failed.", job.Id);
            job.Status = JobStatus.Failed;
            job.Error = e is ArgumentException or KeyNotFoundException or InvalidDataException or InvalidOperationException or Data.DatasetMissingException
                ? e.Message : $"{e.GetType().Name}: {e.Message}";
            if (retried && e is ExternalException) job.Error = $"Failed again after one retry of a native LibTorch error. {job.Error}";
            CleanUp(job);
        }
        finally
        {
            _running.TryRemove(job.Id, out _);
        }
        heartbeat?.Dispose();
        lock (job)
        {
            job.FinishedUtc = DateTime.UtcNow;
            if (lease is not null)
            {
                job.WorkerId = null;
                job.LeaseUntilUtc = null;
                // Another process re-queued the job after this worker's lease ran out: the row is not ours to write.
                if (!JobLeases.Holds(_store, job.Id, lease.WorkerId))
                {
                    _logger.LogWarning("Job {Id} finished here after its lease was taken; its result is left to the new attempt.", job.Id);
                    return;
                }
            }
            _store.UpdateJob(job);
            MarkSeen(job);
        }
        // One line per finished job: its time in the queue and on the worker (what a build-to-view time is made of).
        if (job.StartedUtc is { } started)
            _logger.LogInformation("Job {Id} ({Kind}) {Status} after {Run:F1}s on the worker and {Wait:F1}s in the queue.", job.Id, job.Kind,
                job.Status.ToString().ToLowerInvariant(), (job.FinishedUtc!.Value - started).TotalSeconds, (started - job.CreatedUtc).TotalSeconds);
        Publish(job);
        if (job.Status == JobStatus.Succeeded) ExperimentsChanged?.Invoke(job.Dataset, job.Architecture, job.ForgetSetId);
    }

    /// <summary>Stage of a job while it runs again after a native failure (docs/architecture.md, "Job queue: one retry after a native LibTorch error").</summary>
    internal const string RetryStage = "Retrying after a native LibTorch error";

    /// <summary>
    /// Runs the job and, when the first attempt fails with a native LibTorch error (<see cref="ExternalException"/>, what
    /// TorchSharp throws for an error raised in LibTorch), runs it once more after removing the first attempt's partial
    /// files (docs/architecture.md, "Job queue: one retry after a native LibTorch error"). Such an error can be transient:
    /// TorchSharp 0.107 lets the garbage collector free a temporary Scalar while LibTorch still reads it, so the same job
    /// usually succeeds on a second run. User errors (argument, missing data), cancellation and a second native failure
    /// are not retried; a job whose result row was already stored is not run twice.
    /// </summary>
    private string RunRetryingNativeFailureOnce(IJobRunner runner, Job job, Action<JobProgressUpdate> report, CancellationTokenSource cts, ref bool retried)
    {
        try
        {
            return runner.Run(job, report, cts.Token);
        }
        catch (ExternalException e) when (!cts.IsCancellationRequested && !(job.ReservedExperimentId is { } id && _store.Exists(id)))
        {
            _logger.LogWarning(e, "Job {Id} failed with a native LibTorch error; its partial files are removed and it runs once more.", job.Id);
            CleanUpAttempt(job);
            var firstLine = e.Message.Split('\n', 2)[0].Trim();
            job.Stage = $"{RetryStage} ({e.GetType().Name}: {(firstLine.Length > 200 ? firstLine[..200] + "…" : firstLine)})";
            job.Step = JobPipeline.Steps(job.Kind)[0];
            job.StepProgress = 0;
            job.Progress = 0;
            job.Epoch = job.TotalEpochs = null;
            job.EtaSeconds = null;
            job.ForgetAccuracy = job.RetainAccuracy = null;
            _store.UpdateJob(job);
            Publish(job);
            retried = true;
        }
        return runner.Run(job, report, cts.Token);
    }

    /// <summary>
    /// A failed or cancelled job leaves no half-written experiment: its reserved folder goes (unless a row was stored),
    /// and an upload job's file goes too (a refused checkpoint is not kept).
    /// </summary>
    private void CleanUp(Job job)
    {
        CleanUpAttempt(job);
        DeleteUpload(job);
    }

    /// <summary>The files one attempt of a job may leave: its reserved experiment folder (unless a row was stored) and temporary files.</summary>
    private void CleanUpAttempt(Job job)
    {
        if (job.ReservedExperimentId is { } id && !_store.Exists(id)) _store.Artifacts.Delete(id);
        // With Hangfire workers other jobs may be writing temporary files in the shared folder right now.
        if (_workers is null) _store.Artifacts.RemoveTemporaryFiles();
        else RemoveStaleTemporaryFiles();
    }

    private void DeleteUpload(Job job)
    {
        if (job.Kind != JobKind.Upload || job.UploadPath is null) return;
        var path = _store.Artifacts.Resolve(job.UploadPath);
        if (File.Exists(path)) File.Delete(path);
    }

    public void NotifyExperimentsChanged(string dataset, string architecture, string forgetSetId) => ExperimentsChanged?.Invoke(dataset, architecture, forgetSetId);

    private int _disposed;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _shutdown.Cancel();
        _signal.Release();
        _worker?.Join(TimeSpan.FromSeconds(10));
        _monitor?.Join(TimeSpan.FromSeconds(10));
        _shutdown.Dispose();
    }
}

/// <summary>The queue already holds <see cref="JobQueue.MaxQueuedJobs"/> waiting jobs (the API answers 429).</summary>
public sealed class QueueFullException(string message) : InvalidOperationException(message);
