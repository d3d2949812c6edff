using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Unlearning.Core.Experiments.Jobs;

/// <summary>How a <see cref="JobQueue"/> hands jobs to Hangfire workers (docs/lab-workers.md).</summary>
/// <param name="Dispatch">Puts one job id on a Hangfire queue (the job's <see cref="Job.Queue"/>).</param>
/// <param name="WorkerId">This process's name on the rows it holds (machine:process:random).</param>
/// <param name="IsWorkerProcess">A <c>worker</c> process: no baseline rows, no start-up recovery, no change polling.</param>
/// <param name="RecoverAtStart">The embedded (SQLite, one process) set-up: at start a job left Running was this process's and failed with it.</param>
/// <param name="DispatchWarm">Puts a warm-up of a forget set's reference Gram matrices (dataset, architecture, forget set) on a Hangfire queue (the last argument).</param>
public sealed record DistributedWorkers(Action<long, string> Dispatch, string WorkerId, string EnqueueQueue, int MaxAttempts, TimeSpan Lease,
    bool IsWorkerProcess, bool RecoverAtStart, Action<string, string, string, string>? DispatchWarm = null)
{
    public static string NewWorkerId() => $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..6]}";
}

public sealed partial class JobQueue
{
    private DistributedWorkers? _workers;
    private Thread? _monitor;
    [ThreadStatic] private static Dictionary<JobQueue, IJobRunner>? _runners;

    /// <summary>Last change stamp and status of each job this process has published (the change poller compares them).</summary>
    private readonly ConcurrentDictionary<long, (long Stamp, JobStatus Status)> _seen = new();

    /// <summary>Seconds between two polls of the jobs table for changes made by other processes.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Jobs run through Hangfire (set before <see cref="Start"/>); without it the queue runs them on its own thread.</summary>
    public void UseDistributedWorkers(DistributedWorkers workers)
    {
        if (_worker is not null || _monitor is not null) throw new InvalidOperationException("The queue has started already.");
        _workers = workers;
    }

    public bool IsDistributed => _workers is not null;

    private void StartDistributed()
    {
        var w = _workers!;
        if (!w.IsWorkerProcess)
        {
            if (w.RecoverAtStart) RecoverInterruptedJobs();
            _baselines.EnsureAllRows();
            foreach (var j in _store.ListJobs(500)) _seen[j.Id] = (j.ChangeStamp, j.Status);
            // Queued rows without a Hangfire job (queued by an older version, or a dispatch that failed) get one now;
            // a second delivery of a job that has one does nothing (the claim is one conditional UPDATE).
            using var db = _store.NewContext();
            foreach (var j in db.Jobs.Where(j => j.Status == JobStatus.Queued).Select(j => new { j.Id, j.Queue }).ToList())
                TryDispatch(j.Id, j.Queue);
        }
        _monitor = new Thread(MonitorLoop) { IsBackground = true, Name = "unlearning-job-monitor" };
        _monitor.Start();
    }

    private void DispatchNew(IReadOnlyList<Job> jobs)
    {
        foreach (var j in jobs)
        {
            _seen[j.Id] = (j.ChangeStamp, j.Status);
            if (!TryDispatch(j.Id, j.Queue))
            {
                if (_store.TryTransition(j.Id, JobStatus.Queued, JobStatus.Failed, "Failed"))
                {
                    var failed = _store.GetJob(j.Id)!;
                    failed.Error = "The job could not be handed to the workers' queue (Hangfire storage unreachable); see the server log.";
                    _store.UpdateJob(failed);
                    Publish(failed);
                }
            }
        }
    }

    private bool TryDispatch(long id, string queue)
    {
        try { _workers!.Dispatch(id, queue); return true; }
        catch (Exception e)
        {
            _logger.LogError(e, "Job {Id} could not be put on Hangfire queue '{Queue}'.", id, queue);
            return false;
        }
    }

    /// <summary>
    /// Runs one job handed out by Hangfire on the calling (Hangfire worker) thread: claims the row (Queued → Running,
    /// one conditional UPDATE, so no job runs twice at once), runs it with this thread's runner (TorchSharp's dispose
    /// scopes are thread-static: one runner per worker thread) and finishes the row. A job that is not queued any more
    /// (cancelled, done, or held by another worker) is left alone.
    /// </summary>
    public void Execute(long jobId, CancellationToken hangfireShutdown)
    {
        var w = _workers ?? throw new InvalidOperationException("This queue does not run Hangfire jobs.");
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token, hangfireShutdown);
        if (!JobLeases.TryClaim(_store, jobId, w.WorkerId, w.Lease))
        {
            _logger.LogInformation("Job {Id} is not queued any more (status {Status}); nothing to run.", jobId, _store.GetJob(jobId)?.Status.ToString() ?? "deleted");
            return;
        }
        // Registered once claimed: a cancel in between finds the row Running and sets its flag, which the heartbeat reads.
        _running[jobId] = cts;
        try
        {
            var job = _store.GetJob(jobId)!;
            var runner = ThreadRunner();
            _logger.LogInformation("Job {Id} ({Kind}) starts on {Worker}, attempt {Attempt} of {Max}.", job.Id, job.Kind, w.WorkerId, job.Attempts, w.MaxAttempts);
            RunStarted(runner, job, cts, new LeaseContext(w.WorkerId, w.Lease, hangfireShutdown));
        }
        finally
        {
            _running.TryRemove(jobId, out _);
        }
    }

    /// <summary>The calling worker thread's runner (TorchSharp's dispose scopes are thread-static: one runner per worker thread).</summary>
    private IJobRunner ThreadRunner()
    {
        _runners ??= [];
        if (!_runners.TryGetValue(this, out var runner)) _runners[this] = runner = _runnerFactory();
        return runner;
    }

    /// <summary>Whether opening a forget set warms its reference Gram matrices on a worker (<c>Unlearning:Caches:WarmReferences</c>).</summary>
    public bool WarmReferencesEnabled { get; set; } = true;

    /// <summary>A forget set is not warmed again within this interval of its last request (page reloads, several viewers).</summary>
    public static readonly TimeSpan WarmInterval = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, DateTime> _warmRequested = new();

    /// <summary>
    /// Asks a worker to compute and cache the reference Gram matrices of a forget set's Original and Retrained model
    /// before the first evaluation needs them (docs/architecture.md, "Caches"). A Hangfire task, not a job row: nothing
    /// shows in the queue, it is skipped when the set was asked for in the last <see cref="WarmInterval"/>, and a
    /// worker that has the references cached already does nothing. Returns whether a warm-up was handed out.
    /// </summary>
    public bool RequestWarmReferences(string dataset, string architecture, string forgetSetId)
    {
        if (!WarmReferencesEnabled || _workers is not { DispatchWarm: { } dispatch } w) return false;
        var key = $"{dataset}\n{architecture}\n{forgetSetId}";
        var now = DateTime.UtcNow;
        if (_warmRequested.TryGetValue(key, out var last) && now - last < WarmInterval) return false;
        _warmRequested[key] = now;
        try
        {
            dispatch(dataset, architecture, forgetSetId, w.EnqueueQueue);
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.LogWarning(e, "The warm-up of {ForgetSet}'s reference Gram matrices could not be handed to the workers.", forgetSetId);
            return false;
        }
    }

    /// <summary>Runs a warm-up handed out by <see cref="RequestWarmReferences"/> on the calling (Hangfire worker) thread's runner; failures are logged, never thrown.</summary>
    public void ExecuteWarm(string dataset, string architecture, string forgetSetId, CancellationToken hangfireShutdown)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token, hangfireShutdown);
        try
        {
            ThreadRunner().WarmReferences(dataset, architecture, forgetSetId, cts.Token);
        }
        catch (OperationCanceledException) { }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.LogWarning(e, "Warming the reference Gram matrices of {ForgetSet} failed; the next evaluation computes them.", forgetSetId);
        }
    }

    /// <summary>What a Hangfire worker's run of a job knows about its lease.</summary>
    private sealed class LeaseContext(string workerId, TimeSpan lease, CancellationToken shutdown)
    {
        public string WorkerId { get; } = workerId;
        public TimeSpan Lease { get; } = lease;
        public CancellationToken Shutdown { get; } = shutdown;
        /// <summary>A user asked to cancel (in this process or through the row's flag).</summary>
        public volatile bool UserCancelled;
        /// <summary>The lease was taken by another process.</summary>
        public volatile bool Lost;
    }

    /// <summary>Every second: progress and lease to the row, and the row's cancel flag to the job's token.</summary>
    private IDisposable StartHeartbeat(Job job, CancellationTokenSource cts, LeaseContext lease)
    {
        var stop = new CancellationTokenSource();
        // A cancel through this process's Cancel() is the user's too.
        var reg = cts.Token.Register(() => { if (!lease.Lost && !lease.Shutdown.IsCancellationRequested && !_shutdown.IsCancellationRequested) lease.UserCancelled = true; });
        var loop = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try { await Task.Delay(TimeSpan.FromSeconds(1), stop.Token); }
                catch (OperationCanceledException) { break; }
                try
                {
                    Job snapshot;
                    lock (job) snapshot = job.Snapshot();
                    var (held, cancel) = JobLeases.Heartbeat(_store, snapshot, lease.WorkerId, lease.Lease);
                    if (!held) { lease.Lost = true; cts.Cancel(); break; }
                    if (cancel) { lease.UserCancelled = true; cts.Cancel(); }
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // The database may be briefly unreachable; the lease gives the worker that long to come back.
                    TryLog(() => _logger.LogWarning(e, "Heartbeat of job {Id} failed.", job.Id));
                }
            }
        });
        return new Heartbeat(stop, loop, reg);
    }

    private sealed class Heartbeat(CancellationTokenSource stop, Task loop, CancellationTokenRegistration reg) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
            reg.Dispose();
            stop.Cancel();
            try { loop.Wait(TimeSpan.FromSeconds(30)); } catch (AggregateException) { }
            stop.Dispose();
        }
    }

    /// <summary>
    /// A job this worker stops without finishing it (its process shuts down, or its lease was taken): its partial files
    /// go, and unless another process took it already, it is queued again (the attempt counts) for another worker.
    /// </summary>
    private void HandBack(Job job, LeaseContext lease)
    {
        var seen = _store.GetJob(job.Id);
        if (lease.Lost || seen is null || seen.Status != JobStatus.Running || seen.WorkerId != lease.WorkerId)
        {
            _logger.LogWarning("Job {Id} stopped here: another process holds it now.", job.Id);
            return;
        }
        CleanUpAttempt(job);
        if (JobLeases.TryRelease(_store, seen, JobStatus.Queued, "Queued again (its worker stopped)"))
        {
            _logger.LogWarning("Job {Id} was stopped by this worker's shutdown and is queued again.", job.Id);
            TryDispatch(job.Id, seen.Queue);
        }
    }

    private void MarkSeen(Job job) => _seen[job.Id] = (job.ChangeStamp, job.Status);

    private void MonitorLoop()
    {
        var lastSweep = DateTime.MinValue;
        while (!_shutdown.IsCancellationRequested)
        {
            try { _shutdown.Token.WaitHandle.WaitOne(PollInterval); }
            catch (ObjectDisposedException) { break; }
            if (_shutdown.IsCancellationRequested) break;
            try
            {
                if (!_workers!.IsWorkerProcess) PollChanges();
                if (DateTime.UtcNow - lastSweep > TimeSpan.FromSeconds(2))
                {
                    lastSweep = DateTime.UtcNow;
                    SweepExpiredLeases();
                }
            }
            catch (Exception e) when (!_shutdown.IsCancellationRequested)
            {
                TryLog(() => _logger.LogWarning(e, "Polling the jobs table failed; it is tried again in a second."));
            }
            catch (Exception) { break; }
        }
    }

    /// <summary>
    /// Publishes the jobs other processes changed since the last poll (their <see cref="Job.ChangeStamp"/> differs), so
    /// that the queue panel and the table update as they do for jobs run in this process (docs/lab-workers.md).
    /// </summary>
    internal void PollChanges()
    {
        foreach (var j in _store.ListJobs(200))
        {
            if (_running.ContainsKey(j.Id)) continue;   // run here: published live already
            bool known = _seen.TryGetValue(j.Id, out var seen);
            if (known && seen.Stamp == j.ChangeStamp) continue;
            _seen[j.Id] = (j.ChangeStamp, j.Status);
            Publish(j);
            if (j.Status == JobStatus.Succeeded && (!known || seen.Status != JobStatus.Succeeded))
                ExperimentsChanged?.Invoke(j.Dataset, j.Architecture, j.ForgetSetId);
        }
    }

    /// <summary>
    /// A running job whose worker stopped renewing its lease (killed, machine down) is taken back: its result, when
    /// its row was stored already, completes it; otherwise its partial files go and it is queued again, or failed
    /// with the reason once it has had <see cref="DistributedWorkers.MaxAttempts"/> attempts (docs/lab-workers.md,
    /// "Failure semantics"). Each step is conditional on the same holder and lease, so one process does it.
    /// </summary>
    internal int SweepExpiredLeases()
    {
        var w = _workers!;
        int n = 0;
        foreach (var job in JobLeases.Expired(_store, DateTime.UtcNow))
        {
            var reserved = job.ReservedExperimentId;
            if (reserved is not null && _store.Get(reserved) is { JobId: var owner } && owner == job.Id)
            {
                if (JobLeases.TryRelease(_store, job, JobStatus.Succeeded, "Done", result: reserved)) { n++; Announce(job.Id, succeeded: true); }
                continue;
            }
            bool last = job.Attempts >= w.MaxAttempts;
            bool released = last
                ? JobLeases.TryRelease(_store, job, JobStatus.Failed, "Failed",
                    $"Its worker ({job.WorkerId}) stopped responding during attempt {job.Attempts} of {w.MaxAttempts}; its partial files were removed.")
                : JobLeases.TryRelease(_store, job, JobStatus.Queued, $"Queued again: its worker stopped during attempt {job.Attempts} of {w.MaxAttempts}");
            if (!released) continue;
            n++;
            _logger.LogWarning("Job {Id}: worker {Worker} stopped renewing its lease; {What}.", job.Id, job.WorkerId, last ? "failed" : "queued again");
            if (reserved is not null && !_store.Exists(reserved)) _store.Artifacts.Delete(reserved);
            RemoveStaleTemporaryFiles();
            if (last) DeleteUpload(job);
            else TryDispatch(job.Id, job.Queue);
            Announce(job.Id, succeeded: false);
        }
        return n;
    }

    private void Announce(long id, bool succeeded)
    {
        if (_store.GetJob(id) is not { } j) return;
        MarkSeen(j);
        Publish(j);
        if (succeeded) ExperimentsChanged?.Invoke(j.Dataset, j.Architecture, j.ForgetSetId);
    }

    /// <summary>Age past which a temporary file of an atomic write belongs to no live writer (writes take seconds).</summary>
    private static readonly TimeSpan StaleTemporaryAge = TimeSpan.FromMinutes(10);

    /// <summary>Removes temporary files of atomic writes older than <see cref="StaleTemporaryAge"/> (other workers may be writing newer ones).</summary>
    private int RemoveStaleTemporaryFiles()
    {
        var root = _store.Artifacts.AppFolder;
        if (!Directory.Exists(root)) return 0;
        int n = 0;
        var cutoff = DateTime.UtcNow - StaleTemporaryAge;
        foreach (var f in Directory.EnumerateFiles(root, "*.tmp-*", SearchOption.AllDirectories))
        {
            try
            {
                if (File.GetLastWriteTimeUtc(f) < cutoff) { File.Delete(f); n++; }
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return n;
    }
}
