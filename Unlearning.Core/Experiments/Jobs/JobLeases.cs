using Microsoft.EntityFrameworkCore;

namespace Unlearning.Core.Experiments.Jobs;

/// <summary>
/// The conditional updates that let several processes share the jobs table (docs/lab-workers.md, "Failure semantics"):
/// each is one UPDATE … WHERE on the row's status and holder, so that two processes can never both win.
/// </summary>
public static class JobLeases
{
    /// <summary>Queued → Running for <paramref name="workerId"/>, counting the attempt; false when the job is not queued (any more).</summary>
    public static bool TryClaim(ExperimentStore store, long id, string workerId, TimeSpan lease)
    {
        using var db = store.NewContext();
        var now = DateTime.UtcNow;
        var until = now + lease;
        return db.Jobs.Where(j => j.Id == id && j.Status == JobStatus.Queued).ExecuteUpdate(s => s
            .SetProperty(j => j.Status, JobStatus.Running)
            .SetProperty(j => j.Stage, "Starting")
            .SetProperty(j => j.StartedUtc, now)
            .SetProperty(j => j.WorkerId, workerId)
            .SetProperty(j => j.LeaseUntilUtc, until)
            .SetProperty(j => j.Attempts, j => j.Attempts + 1)
            .SetProperty(j => j.CancelRequested, false)
            .SetProperty(j => j.ChangeStamp, Random.Shared.NextInt64())) == 1;
    }

    /// <summary>
    /// The running job's heartbeat: writes its progress and renews the lease while <paramref name="workerId"/> still
    /// holds it. Returns (false, _) when the job was taken from this worker; otherwise whether a cancel was requested.
    /// </summary>
    public static (bool Held, bool CancelRequested) Heartbeat(ExperimentStore store, Job progress, string workerId, TimeSpan lease)
    {
        using var db = store.NewContext();
        var until = DateTime.UtcNow + lease;
        int n = db.Jobs.Where(j => j.Id == progress.Id && j.Status == JobStatus.Running && j.WorkerId == workerId).ExecuteUpdate(s => s
            .SetProperty(j => j.LeaseUntilUtc, until)
            .SetProperty(j => j.Stage, progress.Stage)
            .SetProperty(j => j.Step, progress.Step)
            .SetProperty(j => j.StepProgress, progress.StepProgress)
            .SetProperty(j => j.Progress, progress.Progress)
            .SetProperty(j => j.Epoch, progress.Epoch)
            .SetProperty(j => j.TotalEpochs, progress.TotalEpochs)
            .SetProperty(j => j.EtaSeconds, progress.EtaSeconds)
            .SetProperty(j => j.ForgetAccuracy, progress.ForgetAccuracy)
            .SetProperty(j => j.RetainAccuracy, progress.RetainAccuracy)
            .SetProperty(j => j.ChangeStamp, Random.Shared.NextInt64()));
        if (n == 0) return (false, false);
        return (true, db.Jobs.Where(j => j.Id == progress.Id).Select(j => j.CancelRequested).FirstOrDefault());
    }

    /// <summary>True while <paramref name="workerId"/> holds the running job.</summary>
    public static bool Holds(ExperimentStore store, long id, string workerId)
    {
        using var db = store.NewContext();
        return db.Jobs.Any(j => j.Id == id && j.Status == JobStatus.Running && j.WorkerId == workerId);
    }

    /// <summary>Asks the worker running the job to stop; false when the job is not running.</summary>
    public static bool RequestCancel(ExperimentStore store, long id)
    {
        using var db = store.NewContext();
        return db.Jobs.Where(j => j.Id == id && j.Status == JobStatus.Running).ExecuteUpdate(s => s
            .SetProperty(j => j.CancelRequested, true)
            .SetProperty(j => j.ChangeStamp, Random.Shared.NextInt64())) == 1;
    }

    /// <summary>Running jobs whose worker stopped renewing the lease before <paramref name="now"/>.</summary>
    public static IReadOnlyList<Job> Expired(ExperimentStore store, DateTime now)
    {
        using var db = store.NewContext();
        return [.. db.Jobs.AsNoTracking().Where(j => j.Status == JobStatus.Running && j.LeaseUntilUtc != null && j.LeaseUntilUtc < now)];
    }

    /// <summary>
    /// Running → Queued again (the next attempt), or → Failed with <paramref name="error"/>, or → Succeeded when its result
    /// was already stored, provided the row is still held by the same worker under the same lease (<paramref name="seen"/>).
    /// </summary>
    public static bool TryRelease(ExperimentStore store, Job seen, JobStatus to, string stage, string? error = null, string? result = null)
    {
        using var db = store.NewContext();
        var now = DateTime.UtcNow;
        bool terminal = to != JobStatus.Queued;
        var q = db.Jobs.Where(j => j.Id == seen.Id && j.Status == JobStatus.Running && j.WorkerId == seen.WorkerId && j.LeaseUntilUtc == seen.LeaseUntilUtc);
        return q.ExecuteUpdate(s => s
            .SetProperty(j => j.Status, to)
            .SetProperty(j => j.Stage, stage)
            .SetProperty(j => j.Error, error)
            .SetProperty(j => j.ResultExperimentId, result)
            .SetProperty(j => j.WorkerId, (string?)null)
            .SetProperty(j => j.LeaseUntilUtc, (DateTime?)null)
            .SetProperty(j => j.ReservedExperimentId, j => terminal ? j.ReservedExperimentId : null)
            .SetProperty(j => j.Step, j => terminal ? j.Step : JobStep.Queued)
            .SetProperty(j => j.StepProgress, j => terminal ? (to == JobStatus.Succeeded ? 1 : j.StepProgress) : 0)
            .SetProperty(j => j.Progress, j => terminal ? (to == JobStatus.Succeeded ? 1 : j.Progress) : 0)
            .SetProperty(j => j.EtaSeconds, (double?)null)
            .SetProperty(j => j.FinishedUtc, j => terminal ? now : null)
            .SetProperty(j => j.ChangeStamp, Random.Shared.NextInt64())) == 1;
    }
}
