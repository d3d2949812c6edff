using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Jobs;
using Unlearning.Core.Methods;

namespace Unlearning.Tests.Core.Experiments.Jobs;

[Collection("Torch")]
public class JobQueueTests
{
    [Fact]
    public void Grid_expansion_is_the_cartesian_product_with_at_most_five_values_each()
    {
        var method = new Unlearning.Core.Methods.FineTuning();
        var grid = new Dictionary<string, double[]> { ["epochs"] = [1, 2], ["learning_rate"] = [0.1, 0.01, 0.001], ["batch_size"] = [64] };
        var combos = Unlearning.Core.Methods.MethodOptionsParser.Expand(method, "compact", grid);
        Assert.Equal(6, combos.Count);
        Assert.Equal(6, Unlearning.Core.Methods.MethodOptionsParser.Count(grid));
        Assert.Equal(6, combos.Select(c => (c["epochs"], c["learning_rate"])).Distinct().Count());
        Assert.All(combos, c => Assert.Equal(64, c["batch_size"]));
        Assert.All(combos, c => Assert.Equal(0.5, c["retain_fraction"]));   // the compact default fills what was not given
        var six = Assert.Throws<ArgumentException>(() => Unlearning.Core.Methods.MethodOptionsParser.Expand(method, "compact", new Dictionary<string, double[]> { ["epochs"] = [1, 2, 3, 4, 5, 6] }));
        Assert.Contains("at most 5", six.Message);
        Assert.Throws<ArgumentException>(() => Unlearning.Core.Methods.MethodOptionsParser.Expand(method, "compact", new Dictionary<string, double[]> { ["epochs"] = [] }));
        Assert.Single(Unlearning.Core.Methods.MethodOptionsParser.Expand(method, "compact", new Dictionary<string, double[]>()));
    }

    [Fact]
    public void A_request_expanding_to_more_jobs_than_the_cap_is_refused_and_queues_nothing()
    {
        var (sp, store, _) = TestStore.New(TinyFashionMnist.Create());
        using (sp)
        {
            var queue = sp.GetRequiredService<JobQueue>();
            queue.Start();   // makes the baseline rows the request's base refers to
            var grid = new Dictionary<string, double[]> { ["epochs"] = [1, 2, 3, 4, 5], ["learning_rate"] = [0.1, 0.05, 0.01, 0.005, 0.001], ["batch_size"] = [64, 128] };
            var e = Assert.Throws<ArgumentException>(() => queue.Enqueue(new JobRequest { Method = "FineTuning", ForgetClass = 6, Hyperparameters = grid }));
            Assert.Contains("expands to 50 jobs", e.Message);
            Assert.Contains("at most 25", e.Message);
            queue.MaxJobsPerRequest = 4;
            grid = new() { ["epochs"] = [1, 2, 3, 4, 5] };
            Assert.Contains("expands to 5 jobs", Assert.Throws<ArgumentException>(() => queue.Enqueue(new JobRequest { Method = "FineTuning", ForgetClass = 6, Hyperparameters = grid })).Message);
            Assert.Empty(store.ListJobs(100));
            queue.Dispose();
        }
    }

    [Fact]
    public void A_job_left_running_by_a_crash_is_marked_failed_and_its_files_removed()
    {
        var (sp, store, _) = TestStore.New();
        using (sp)
        {
            var job = store.AddJob(new Job { Dataset = "fashion-mnist", Architecture = "compact", Kind = JobKind.Unlearn, Status = JobStatus.Running, ReservedExperimentId = "beef", CreatedUtc = DateTime.UtcNow });
            var folder = store.Artifacts.FolderOf("beef");
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, "model.pt.tmp-1234abcd"), "partial");
            File.WriteAllText(Path.Combine(folder, "model.pt"), "partial");
            var finished = store.AddJob(new Job { Dataset = "fashion-mnist", Architecture = "compact", Kind = JobKind.Unlearn, Status = JobStatus.Succeeded, CreatedUtc = DateTime.UtcNow });

            var queue = sp.GetRequiredService<JobQueue>();
            Assert.Equal(1, queue.RecoverInterruptedJobs());
            var after = store.GetJob(job.Id)!;
            Assert.Equal(JobStatus.Failed, after.Status);
            Assert.Contains("server stopped", after.Error);
            Assert.False(Directory.Exists(folder));
            Assert.Equal(JobStatus.Succeeded, store.GetJob(finished.Id)!.Status);
        }
    }

    /// <summary>
    /// One real Fine-Tuning job through the queue on a tiny generated Fashion-MNIST-shaped data root (the baselines
    /// are evaluated first), then a second job cancelled while it runs: the first yields a stored, evaluated
    /// experiment; the second none.
    /// </summary>
    [Fact]
    public void Jobs_run_on_the_worker_store_their_experiment_and_cancel_cleanly()
    {
        var (sp, store, _) = TestStore.New(TinyFashionMnist.Create(6));
        using (sp)
        {
            var queue = sp.GetRequiredService<JobQueue>();
            var events = new List<Job>();
            queue.JobChanged += j => { lock (events) events.Add(j); };
            queue.Start();
            var jobs = queue.Enqueue(new JobRequest
            {
                Method = "FineTuning", ForgetClass = 6, Seed = 9,
                Hyperparameters = new() { ["epochs"] = [1], ["retain_fraction"] = [0.5] },
            });
            var done = WaitFor(store, jobs[0].Id, TimeSpan.FromMinutes(8));
            Assert.True(done.Status == JobStatus.Succeeded, done.Error);
            var e = store.Get(done.ResultExperimentId!)!;
            Assert.Equal(ExperimentType.Unlearned, e.Type);
            Assert.Equal(ExperimentStatus.Ready, e.Status);
            Assert.Equal("0006-fashion-mnist-compact", e.BaseId);
            Assert.NotNull(e.UA);
            Assert.NotNull(e.PS);
            Assert.InRange(e.RT!.Value, 0.01, 600);
            Assert.True(File.Exists(store.ResolveCheckpoint(e)));
            Assert.All(store.List("fashion-mnist", "compact", 6).Where(x => x.IsBaseline), b => Assert.Equal(ExperimentStatus.Ready, b.Status));
            lock (events)
            {
                Assert.Contains(events, j => j.Id == done.Id && j.Status == JobStatus.Running && j.Step == JobStep.Unlearn);
                Assert.Contains(events, j => j.Id == done.Id && j.Step == JobStep.Analyze);
            }

            // Long enough on the tiny data (200 epochs) that the cancel surely arrives while it runs.
            var second = queue.Enqueue(new JobRequest { Method = "FineTuning", ForgetClass = 6, Hyperparameters = new() { ["epochs"] = [200], ["retain_fraction"] = [1] } })[0];
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (queue.Get(second.Id)!.Stage != UnlearningProgress.UnlearningStage && DateTime.UtcNow < deadline) Thread.Sleep(50);
            var reserved = queue.Get(second.Id)!.ReservedExperimentId;
            Assert.True(queue.Cancel(second.Id));
            var cancelled = WaitFor(store, second.Id, TimeSpan.FromMinutes(1));
            Assert.Equal(JobStatus.Cancelled, cancelled.Status);
            Assert.NotNull(reserved);
            Assert.Null(store.Get(reserved!));
            Assert.False(Directory.Exists(store.Artifacts.FolderOf(reserved!)));
            queue.Dispose();
        }
    }

    /// <summary>
    /// A method without epochs or learning rate (SSD) goes through the same queue: the stored row has neither, its own
    /// hyperparameters are in the JSON, and the evaluation runs.
    /// </summary>
    [Fact]
    public void A_job_of_a_method_without_epochs_stores_its_own_hyperparameters_only()
    {
        var (sp, store, _) = TestStore.New(TinyFashionMnist.Create(6));
        using (sp)
        {
            var queue = sp.GetRequiredService<JobQueue>();
            queue.Start();
            var jobs = queue.Enqueue(new JobRequest
            {
                Method = "SSD", ForgetClass = 6, Seed = 3,
                Hyperparameters = new() { ["selection_weight"] = [5], ["importance_fraction"] = [0.5] },
            });
            var done = WaitFor(store, jobs[0].Id, TimeSpan.FromMinutes(8));
            Assert.True(done.Status == JobStatus.Succeeded, done.Error);
            var e = store.Get(done.ResultExperimentId!)!;
            Assert.Equal(("SSD", ExperimentStatus.Ready), (e.Method, e.Status));
            Assert.Null(e.Epochs);
            Assert.Null(e.LearningRate);
            Assert.Equal(64, e.BatchSize);
            Assert.Contains("\"selection_weight\":5", e.HyperparametersJson);
            Assert.NotNull(e.UA);
            queue.Dispose();
        }
    }

    /// <summary>Throws on every call from the job worker's thread, as a database disposed under it would.</summary>
    private sealed class FailingOnWorker(IDbContextFactory<UnlearningDbContext> inner) : IDbContextFactory<UnlearningDbContext>
    {
        public int Failures;

        public UnlearningDbContext CreateDbContext()
        {
            if (Thread.CurrentThread.Name != "unlearning-jobs") return inner.CreateDbContext();
            Interlocked.Increment(ref Failures);
            throw new ObjectDisposedException("UnlearningDbContext", "database gone");
        }
    }

    private sealed class CountingLogger : ILogger<JobQueue>
    {
        public int Errors;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Error) Interlocked.Increment(ref Errors);
        }
    }

    [Fact]
    public void A_store_failure_on_the_worker_is_logged_and_retried_not_fatal()
    {
        // Before the fix the exception escaped the worker thread and ended the whole process (seen when a host was
        // disposed under a running job).
        var (sp, store, _) = TestStore.New();
        using (sp)
        {
            var factory = new FailingOnWorker(sp.GetRequiredService<IDbContextFactory<UnlearningDbContext>>());
            var failingStore = new ExperimentStore(factory, store.Artifacts, store.DataRoot);
            var logger = new CountingLogger();
            var queue = new JobQueue(failingStore, sp.GetRequiredService<Unlearning.Core.Data.DatasetLoader>(), sp.GetRequiredService<Unlearning.Core.Methods.MethodCatalog>(),
                () => throw new InvalidOperationException("no runner needed"), logger);
            queue.Start();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (logger.Errors < 2 && DateTime.UtcNow < deadline) Thread.Sleep(50);
            Assert.True(logger.Errors >= 2, $"errors logged: {logger.Errors}");
            Assert.True(factory.Failures >= 2);
            queue.Dispose();
        }
    }

    /// <summary>
    /// The job once it has ended, or as it stands at <paramref name="deadline"/> (the caller asserts its status, so a slow
    /// machine fails with the job's stage rather than a timeout). For tests that share one deadline over several jobs.
    /// </summary>
    internal static Job WaitFor(ExperimentStore store, long id, DateTime deadline)
    {
        Job j;
        while ((j = store.GetJob(id)!).Status is JobStatus.Queued or JobStatus.Running && DateTime.UtcNow < deadline) Thread.Sleep(200);
        return j;
    }

    internal static Job WaitFor(ExperimentStore store, long id, TimeSpan timeout)
    {
        var end = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < end)
        {
            var j = store.GetJob(id)!;
            if (j.Status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled) return j;
            Thread.Sleep(100);
        }
        throw new TimeoutException($"Job {id} did not finish in {timeout}.");
    }
}

[Collection("Torch")]
public class BaselineJobTests
{
    /// <summary>A Retrain job (the path used for datasets with nothing shipped) trains into the app folder and backs the Retrained row.</summary>
    [Fact]
    public void A_retrain_job_trains_evaluates_and_backs_the_retrained_row()
    {
        var (sp, store, dir) = TestStore.New(TinyFashionMnist.Create(6));
        using (sp)
        {
            var queue = sp.GetRequiredService<JobQueue>();
            queue.Start();
            Assert.Throws<ArgumentException>(() => queue.Enqueue(new JobRequest { Kind = JobKind.Retrain, ForgetClass = 6, Hyperparameters = new() { ["momentum"] = [0.5] } }));
            // First the data root's baselines of class 6 are evaluated (the Original's PS is measured against its Retrained model).
            var end = DateTime.UtcNow.AddMinutes(10);
            Job j;
            var evaluate = queue.Enqueue(new JobRequest { Kind = JobKind.Evaluate, ForgetClass = 6 })[0];
            while ((j = store.GetJob(evaluate.Id)!).Status is JobStatus.Queued or JobStatus.Running && DateTime.UtcNow < end) Thread.Sleep(200);
            Assert.True(j.Status == JobStatus.Succeeded, j.Error);
            var originalId = Unlearning.Core.Experiments.ExperimentIds.Original("fashion-mnist", "compact", 6);
            Assert.NotNull(store.Get(originalId)!.PS);
            double[] CkaAgainstRetrained() =>
                [.. Unlearning.Core.Experiments.ResultsDocument.Load(store.Artifacts, store.Get(originalId)!)!.CkaRetrain!.Train.OtherClasses.SelectMany(r => r)];
            var ckaAgainstFirst = CkaAgainstRetrained();

            // The same seed as the class's Retrained model: the job replaces that model (another seed would add one to its group).
            long shippedSeed = store.Get(Unlearning.Core.Experiments.ExperimentIds.Retrained("fashion-mnist", "compact", 6))!.Seed!.Value;
            var job = queue.Enqueue(new JobRequest { Kind = JobKind.Retrain, ForgetClass = 6, Seed = shippedSeed, Hyperparameters = new() { ["epochs"] = [5], ["batch_size"] = [64] } })[0];
            while ((j = store.GetJob(job.Id)!).Status is JobStatus.Queued or JobStatus.Running && DateTime.UtcNow < end) Thread.Sleep(200);
            Assert.True(j.Status == JobStatus.Succeeded, j.Error);
            var row = store.Get(Unlearning.Core.Experiments.ExperimentIds.Retrained("fashion-mnist", "compact", 6))!;
            Assert.Equal(ExperimentStatus.Ready, row.Status);
            Assert.StartsWith(Path.Combine(dir, "app", "baselines"), store.ResolveCheckpoint(row));
            Assert.Equal(5, row.Epochs);
            Assert.True(row.UA < 0.05, $"a model that never saw class 6 has UA {row.UA}");
            var manifest = Unlearning.Core.Training.BaselineManifest.TryLoad(store.TrainedBaselineFolder("fashion-mnist", "compact"))!;
            Assert.Equal(9 * TinyFashionMnist.TrainPerClass, manifest.Retrained(6)!.TrainSamples);
            // Later jobs check the baseline rows again: the in-app model keeps backing its row (the shipped file of the same
            // class is not "a changed checkpoint"), and neither it nor the class's Original is sent back for evaluation.
            for (int call = 0; call < 2; call++)
            {
                var pending = store.EnsureBaselineRows("fashion-mnist", "compact", 10);
                Assert.DoesNotContain(row.Id, pending);
                Assert.DoesNotContain(Unlearning.Core.Experiments.ExperimentIds.Original("fashion-mnist", "compact", 6), pending);
            }
            var again = store.Get(row.Id)!;
            Assert.Equal(ExperimentStatus.Ready, again.Status);
            Assert.Equal(store.ResolveCheckpoint(row), store.ResolveCheckpoint(again));
            Assert.Equal(row.UA, again.UA);
            // The Original was measured again, now against the in-app Retrained model: its layer similarity to the
            // Retrained model changed (on this tiny task both Retrained models give the Original the same PS, 0).
            var original = store.Get(originalId)!;
            Assert.Equal(ExperimentStatus.Ready, original.Status);
            Assert.NotNull(original.PS);
            Assert.NotEqual(ckaAgainstFirst, CkaAgainstRetrained());
            queue.Dispose();
        }
    }
}

/// <summary>
/// The cancel race of the job state machine, driven step by step: the worker has read a queued job and a user
/// cancels it before or after the worker's claim. Exactly one side wins, and a stale write never revives a job.
/// </summary>
public class JobStateMachineTests
{
    private static Job Queued(ExperimentStore store) => store.AddJob(new Job
    {
        Dataset = "fashion-mnist", Architecture = "compact", Kind = JobKind.Unlearn, Method = "FineTuning",
        Status = JobStatus.Queued, Stage = "Queued", CreatedUtc = DateTime.UtcNow,
    });

    [Fact]
    public void A_job_cancelled_after_the_worker_read_it_never_starts()
    {
        var (sp, store, _) = TestStore.New();
        using (sp)
        {
            var queue = sp.GetRequiredService<JobQueue>();
            var id = Queued(store).Id;
            var stale = store.NextQueuedJob()!;            // the worker has read the job as Queued …
            Assert.True(queue.Cancel(id));                  // … then the user cancels it
            using var cts = new CancellationTokenSource();
            Assert.False(queue.TryStart(stale, cts));        // the worker's claim loses: the job never runs
            var after = store.GetJob(id)!;
            Assert.Equal(JobStatus.Cancelled, after.Status);
            Assert.NotNull(after.FinishedUtc);
            Assert.Null(after.StartedUtc);
            Assert.False(queue.Cancel(id));                 // already ended
            Assert.Null(store.NextQueuedJob());
        }
    }

    [Fact]
    public void A_cancel_after_the_claim_stops_the_running_job_through_its_token_and_does_not_rewrite_the_row()
    {
        var (sp, store, _) = TestStore.New();
        using (sp)
        {
            var queue = sp.GetRequiredService<JobQueue>();
            var id = Queued(store).Id;
            var job = store.NextQueuedJob()!;
            using var cts = new CancellationTokenSource();
            Assert.True(queue.TryStart(job, cts));
            Assert.Equal(JobStatus.Running, store.GetJob(id)!.Status);
            Assert.True(queue.Cancel(id));
            Assert.True(cts.IsCancellationRequested);       // the runner stops at its next batch
            Assert.Equal(JobStatus.Running, store.GetJob(id)!.Status);   // the worker, not the cancel, writes the end state
        }
    }

    [Fact]
    public void Only_one_of_two_claims_of_the_same_job_wins()
    {
        var (sp, store, _) = TestStore.New();
        using (sp)
        {
            var id = Queued(store).Id;
            Assert.True(store.TryTransition(id, JobStatus.Queued, JobStatus.Running, "Starting"));
            Assert.False(store.TryTransition(id, JobStatus.Queued, JobStatus.Running, "Starting"));
            Assert.False(store.TryTransition(id, JobStatus.Queued, JobStatus.Cancelled, "Cancelled"));
            Assert.Equal(JobStatus.Running, store.GetJob(id)!.Status);
        }
    }

    [Fact]
    public void An_upload_is_evaluated_by_one_job_at_a_time()
    {
        var (sp, store, _) = TestStore.New(TinyFashionMnist.Create());
        using (sp)
        {
            var queue = sp.GetRequiredService<JobQueue>();
            Directory.CreateDirectory(store.Artifacts.UploadsFolder);
            File.WriteAllBytes(Path.Combine(store.Artifacts.UploadsFolder, "u1.pth"), [1, 2, 3]);
            var request = new JobRequest { Kind = JobKind.Upload, ForgetClass = 3, UploadPath = "uploads/u1.pth" };
            var first = Assert.Single(queue.Enqueue(request));
            var e = Assert.Throws<InvalidOperationException>(() => queue.Enqueue(request));
            Assert.Contains($"already being evaluated by job {first.Id}", e.Message);
            Assert.Single(store.ListJobs(100));
            Assert.True(queue.Cancel(first.Id));                       // cancelling deletes the file: a new upload is needed
            Assert.Throws<KeyNotFoundException>(() => queue.Enqueue(request));
        }
    }

    [Fact]
    public void Cancelling_an_unknown_job_is_a_not_found_error()
    {
        var (sp, _, _) = TestStore.New();
        using (sp)
            Assert.Throws<KeyNotFoundException>(() => sp.GetRequiredService<JobQueue>().Cancel(987654));
    }

    [Fact]
    public void The_instance_wide_cap_on_waiting_jobs_refuses_a_request_with_a_clear_message_and_queues_nothing()
    {
        var (sp, store, _) = TestStore.New(TinyFashionMnist.Create());
        using (sp)
        {
            var queue = sp.GetRequiredService<JobQueue>();
            queue.MaxQueuedJobs = 3;
            for (int i = 0; i < 3; i++) Queued(store);
            var e = Assert.Throws<QueueFullException>(() => queue.Enqueue(new JobRequest { Kind = JobKind.Evaluate, ForgetClass = 6 }));
            Assert.Contains("holds 3 waiting job(s) and this request adds 1", e.Message);
            Assert.Contains("at most 3", e.Message);
            Assert.Equal(3, store.ListJobs(100).Count);
            Assert.True(queue.Cancel(store.NextQueuedJob()!.Id));            // room again: the same request is accepted
            Assert.Single(queue.Enqueue(new JobRequest { Kind = JobKind.Evaluate, ForgetClass = 6 }));
        }
    }
}
