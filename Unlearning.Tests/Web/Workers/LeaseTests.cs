using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Jobs;

namespace Unlearning.Tests.Web.Workers;

/// <summary>
/// The executor's claim, heartbeat, cancel flag and lease sweep (docs/lab-workers.md, "Failure semantics") on SQLite,
/// with a scripted runner in place of the real one and a recording dispatcher in place of Hangfire.
/// </summary>
[Collection("Torch")]
public sealed class LeaseTests
{
    private sealed class ScriptedRunner(Func<Job, CancellationToken, string> run) : IJobRunner
    {
        public int Calls;
        public TorchSharp.torch.Device Device => TorchSharp.torch.CPU;

        public string Run(Job job, Action<JobProgressUpdate> report, CancellationToken cancellation)
        {
            Interlocked.Increment(ref Calls);
            report(new JobProgressUpdate(JobStep.Unlearn, "Unlearning", 0.5, 0.3, 1, 3));
            return run(job, cancellation);
        }

        public readonly List<(string Dataset, string Architecture, string ForgetSet, int Thread)> Warmed = [];

        public void WarmReferences(string dataset, string architecture, string forgetSetId, CancellationToken cancellation)
        {
            lock (Warmed) Warmed.Add((dataset, architecture, forgetSetId, Environment.CurrentManagedThreadId));
        }
    }

    private sealed record Setup(ServiceProvider Services, ExperimentStore Store, JobQueue Queue, List<long> Dispatched, ScriptedRunner Runner) : IDisposable
    {
        public void Dispose() { Queue.Dispose(); Services.Dispose(); }
    }

    private static Setup New(Func<Job, CancellationToken, string> run, int maxAttempts = 2, string workerId = "test:1:aaaaaa",
        string queueName = "default", Action<string, string, string, string>? dispatchWarm = null)
    {
        var (sp, store, _) = TestStore.New();
        var runner = new ScriptedRunner(run);
        var queue = new JobQueue(store, sp.GetRequiredService<Unlearning.Core.Data.DatasetLoader>(),
            sp.GetRequiredService<Unlearning.Core.Methods.MethodCatalog>(), NullLogger<JobQueue>.Instance, () => runner);
        var dispatched = new List<long>();
        queue.UseDistributedWorkers(new DistributedWorkers((id, _) => { lock (dispatched) dispatched.Add(id); }, workerId, queueName, maxAttempts,
            TimeSpan.FromSeconds(5), IsWorkerProcess: true, RecoverAtStart: false, DispatchWarm: dispatchWarm));
        return new Setup(sp, store, queue, dispatched, runner);
    }

    /// <summary>A Hangfire worker's thread running one delivery.</summary>
    private static Thread Started(Action run)
    {
        var t = new Thread(() => run()) { IsBackground = true };
        t.Start();
        return t;
    }

    [Fact]
    public void Opening_a_forget_set_hands_one_warm_up_to_the_workers_per_interval_and_a_worker_runs_it_on_its_own_runner()
    {
        var warmups = new List<string>();
        using var s = New((_, _) => "x", queueName: "gpu-0", dispatchWarm: (d, a, f, q) => { lock (warmups) warmups.Add($"{d}/{a}/{f} on {q}"); });
        var (queue, runner) = (s.Queue, s.Runner);
        Assert.True(queue.RequestWarmReferences("fashion-mnist", "compact", "class-3"));
        // A reload or a second viewer within the interval hands out nothing more; another set does.
        Assert.False(queue.RequestWarmReferences("fashion-mnist", "compact", "class-3"));
        Assert.True(queue.RequestWarmReferences("fashion-mnist", "compact", "class-4"));
        Assert.Equal(["fashion-mnist/compact/class-3 on gpu-0", "fashion-mnist/compact/class-4 on gpu-0"], warmups);

        // The delivery runs on the worker's thread with that thread's runner.
        int thread = 0;
        var t = Started(() => { thread = Environment.CurrentManagedThreadId; queue.ExecuteWarm("fashion-mnist", "compact", "class-3", CancellationToken.None); });
        Assert.True(t.Join(TimeSpan.FromSeconds(30)));
        Assert.Equal([("fashion-mnist", "compact", "class-3", thread)], runner.Warmed);

        queue.WarmReferencesEnabled = false;
        Assert.False(queue.RequestWarmReferences("fashion-mnist", "compact", "class-5"));
        Assert.Equal(2, warmups.Count);
    }

    [Fact]
    public void Without_a_warm_up_dispatcher_nothing_is_handed_out()
    {
        using var s = New((_, _) => "x");
        Assert.False(s.Queue.RequestWarmReferences("fashion-mnist", "compact", "class-3"));
    }

    private static Job Queued(ExperimentStore store) => store.AddJob(new Job
    {
        Kind = JobKind.Unlearn, Dataset = "fashion-mnist", Architecture = "compact", Method = "FineTuning",
        Status = JobStatus.Queued, Stage = "Queued", CreatedUtc = DateTime.UtcNow,
    });

    /// <summary>A row as a worker that died mid-job leaves it: Running, held by another worker, lease run out, partial files.</summary>
    private static (Job Job, string Folder) Abandoned(ExperimentStore store, int attempts, bool storeResult = false)
    {
        var job = store.AddJob(new Job
        {
            Kind = JobKind.Unlearn, Dataset = "fashion-mnist", Architecture = "compact", Method = "FineTuning", Status = JobStatus.Running,
            Stage = "Unlearning", Progress = 0.4, CreatedUtc = DateTime.UtcNow, StartedUtc = DateTime.UtcNow, Attempts = attempts,
            WorkerId = "elsewhere:99:bbbbbb", LeaseUntilUtc = DateTime.UtcNow.AddSeconds(-1), ReservedExperimentId = "dead",
        });
        var folder = store.Artifacts.FolderOf("dead");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "model.pt"), "partial");
        if (storeResult)
            store.Add(new Experiment
            {
                Id = "dead", Dataset = "fashion-mnist", Architecture = "compact", ForgetSetId = "class-1", Type = ExperimentType.Unlearned,
                CreatedUtc = DateTime.UtcNow, JobId = job.Id, Status = ExperimentStatus.Ready,
            });
        return (job, folder);
    }

    [Fact]
    public void A_queued_job_is_claimed_once_run_and_released_and_a_second_delivery_does_nothing()
    {
        using var s = New((j, _) => "r" + j.Id);
        var job = Queued(s.Store);
        s.Queue.Execute(job.Id, CancellationToken.None);
        s.Queue.Execute(job.Id, CancellationToken.None);   // Hangfire handing the same job out again
        var done = s.Store.GetJob(job.Id)!;
        Assert.Equal(JobStatus.Succeeded, done.Status);
        Assert.Equal(1, done.Attempts);
        Assert.Equal(1, s.Runner.Calls);
        Assert.Null(done.WorkerId);
        Assert.Null(done.LeaseUntilUtc);
        Assert.Equal("r" + job.Id, done.ResultExperimentId);
    }

    [Fact]
    public void Two_workers_racing_for_one_job_run_it_once()
    {
        var started = new ManualResetEventSlim();
        using var s = New((j, ct) => { started.Set(); Thread.Sleep(300); return "x"; });
        var job = Queued(s.Store);
        var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() => s.Queue.Execute(job.Id, CancellationToken.None))).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Equal(1, s.Runner.Calls);
        Assert.Equal(JobStatus.Succeeded, s.Store.GetJob(job.Id)!.Status);
    }

    [Fact]
    public void A_cancel_flag_set_in_the_database_stops_the_running_job_within_seconds()
    {
        using var s = New((j, ct) => { ct.WaitHandle.WaitOne(TimeSpan.FromSeconds(60)); ct.ThrowIfCancellationRequested(); return "never"; });
        var job = Queued(s.Store);
        var run = Started(() => s.Queue.Execute(job.Id, CancellationToken.None));
        string reserved;
        try
        {
            // The claim makes the row Running before the runner reserves the experiment id: wait for both.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (s.Store.GetJob(job.Id) is not { Status: JobStatus.Running, ReservedExperimentId: not null } && DateTime.UtcNow < deadline) Thread.Sleep(20);
            reserved = s.Store.GetJob(job.Id)!.ReservedExperimentId ?? throw new Xunit.Sdk.XunitException("the job did not start within 30 s");
            Directory.CreateDirectory(s.Store.Artifacts.FolderOf(reserved));
            Assert.True(JobLeases.RequestCancel(s.Store, job.Id));   // what another process's Cancel does
        }
        finally
        {
            // Never leave the worker thread running past the store's disposal (it would crash the test host).
            if (!run.Join(TimeSpan.FromSeconds(60))) { s.Queue.Cancel(job.Id); run.Join(TimeSpan.FromSeconds(30)); }
        }
        Assert.False(run.IsAlive, "the job did not stop");
        var done = s.Store.GetJob(job.Id)!;
        Assert.Equal(JobStatus.Cancelled, done.Status);
        Assert.False(Directory.Exists(s.Store.Artifacts.FolderOf(reserved)));
    }

    [Fact]
    public void Progress_and_lease_are_written_while_the_job_runs()
    {
        var release = new ManualResetEventSlim();
        using var s = New((j, ct) => { release.Wait(TimeSpan.FromSeconds(30)); return "done"; });
        var job = Queued(s.Store);
        var run = Started(() => s.Queue.Execute(job.Id, CancellationToken.None));
        Job? seen = null;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && (seen = s.Store.GetJob(job.Id))!.Progress < 0.3) Thread.Sleep(50);
        release.Set();
        // Longer than the runner can wait: the thread must end before the store is disposed (or it crashes the test host).
        Assert.True(run.Join(TimeSpan.FromSeconds(120)));
        Assert.Equal(0.3, seen!.Progress, 3);
        Assert.Equal("test:1:aaaaaa", seen.WorkerId);
        Assert.True(seen.LeaseUntilUtc > DateTime.UtcNow.AddSeconds(-10));
    }

    [Fact]
    public void A_dead_workers_job_is_queued_again_without_its_partial_files_and_dispatched()
    {
        using var s = New((j, _) => "ok");
        var (job, folder) = Abandoned(s.Store, attempts: 1);
        Assert.Equal(1, s.Queue.SweepExpiredLeases());
        var after = s.Store.GetJob(job.Id)!;
        Assert.Equal(JobStatus.Queued, after.Status);
        Assert.Equal(1, after.Attempts);
        Assert.Null(after.WorkerId);
        Assert.Null(after.ReservedExperimentId);
        Assert.Contains("attempt 1 of 2", after.Stage);
        Assert.False(Directory.Exists(folder));
        Assert.Equal([job.Id], s.Dispatched);
        Assert.Equal(0, s.Queue.SweepExpiredLeases());   // once

        s.Queue.Execute(job.Id, CancellationToken.None);  // the second attempt
        var done = s.Store.GetJob(job.Id)!;
        Assert.Equal(JobStatus.Succeeded, done.Status);
        Assert.Equal(2, done.Attempts);
    }

    [Fact]
    public void After_the_last_attempt_a_dead_workers_job_fails_with_the_reason()
    {
        using var s = New((j, _) => "ok", maxAttempts: 2);
        var (job, folder) = Abandoned(s.Store, attempts: 2);
        Assert.Equal(1, s.Queue.SweepExpiredLeases());
        var after = s.Store.GetJob(job.Id)!;
        Assert.Equal(JobStatus.Failed, after.Status);
        Assert.Contains("stopped responding during attempt 2 of 2", after.Error);
        Assert.False(Directory.Exists(folder));
        Assert.Empty(s.Dispatched);
    }

    [Fact]
    public void A_dead_worker_that_had_stored_its_result_completes_the_job_instead_of_running_it_again()
    {
        using var s = New((j, _) => "ok");
        var (job, folder) = Abandoned(s.Store, attempts: 1, storeResult: true);
        Assert.Equal(1, s.Queue.SweepExpiredLeases());
        var after = s.Store.GetJob(job.Id)!;
        Assert.Equal(JobStatus.Succeeded, after.Status);
        Assert.Equal("dead", after.ResultExperimentId);
        Assert.True(Directory.Exists(folder));
        Assert.Empty(s.Dispatched);
    }

    [Fact]
    public void A_live_lease_is_left_alone()
    {
        using var s = New((j, _) => "ok");
        var (job, _) = Abandoned(s.Store, attempts: 1);
        var row = s.Store.GetJob(job.Id)!;
        row.LeaseUntilUtc = DateTime.UtcNow.AddMinutes(1);
        s.Store.UpdateJob(row);
        Assert.Equal(0, s.Queue.SweepExpiredLeases());
        Assert.Equal(JobStatus.Running, s.Store.GetJob(job.Id)!.Status);
        s.Queue.Execute(job.Id, CancellationToken.None);    // a delivery of a job another worker holds does nothing
        Assert.Equal(0, s.Runner.Calls);
    }

    [Fact]
    public void A_worker_shut_down_mid_job_hands_it_back_to_the_queue()
    {
        using var shutdown = new CancellationTokenSource();
        using var s = New((j, ct) => { ct.WaitHandle.WaitOne(TimeSpan.FromSeconds(60)); ct.ThrowIfCancellationRequested(); return "never"; });
        var job = Queued(s.Store);
        var run = Started(() => s.Queue.Execute(job.Id, shutdown.Token));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (s.Store.GetJob(job.Id)!.Status != JobStatus.Running && DateTime.UtcNow < deadline) Thread.Sleep(20);
        shutdown.Cancel();   // Hangfire's server stopping (Ctrl-C)
        // Longer than the runner can wait: the thread must end before the store is disposed (or it crashes the test host).
        Assert.True(run.Join(TimeSpan.FromSeconds(120)));
        var after = s.Store.GetJob(job.Id)!;
        Assert.Equal(JobStatus.Queued, after.Status);
        Assert.Null(after.WorkerId);
        Assert.Equal([job.Id], s.Dispatched);
    }
}
