using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Jobs;

namespace Unlearning.Tests.Core.Experiments.Jobs;

/// <summary>
/// The queue runs a job once more after a native LibTorch error (docs/architecture.md, "Job queue: one retry after a
/// native LibTorch error"), with a scripted runner in place of the real one: one attempt per script entry.
/// </summary>
[Collection("Torch")]
public class NativeFailureRetryTests
{
    /// <summary>The message of the Retrain abort that motivated the retry (TorchSharp's exception for a LibTorch error).</summary>
    private const string NativeMessage = "Expected false to be true, but got false.\nException raised from toLong at Scalar.h:140";

    private delegate string Attempt(JobQueue queue, ExperimentStore store, Job job, CancellationToken cancellation);

    private sealed class ScriptedRunner(JobQueue[] queue, ExperimentStore store, Attempt[] attempts) : IJobRunner
    {
        public int Calls;
        public TorchSharp.torch.Device Device => TorchSharp.torch.CPU;

        public string Run(Job job, Action<JobProgressUpdate> report, CancellationToken cancellation)
        {
            report(new JobProgressUpdate(JobStep.Unlearn, "Unlearning", 0.5, 0.3, 1, 3));
            return attempts[Calls++](queue[0], store, job, cancellation);
        }
    }

    /// <summary>
    /// Runs one queued unlearning job through a queue whose runner follows <paramref name="attempts"/>; returns the finished
    /// job, the number of attempts and whether its reserved experiment folder is left.
    /// </summary>
    private static (Job Job, int Attempts, bool FolderLeft) Run(params Attempt[] attempts)
    {
        var (sp, store, _) = TestStore.New();
        using (sp)
        {
            var holder = new JobQueue[1];
            var runner = new ScriptedRunner(holder, store, attempts);
            using var queue = new JobQueue(store, sp.GetRequiredService<Unlearning.Core.Data.DatasetLoader>(),
                sp.GetRequiredService<Unlearning.Core.Methods.MethodCatalog>(), NullLogger<JobQueue>.Instance, () => runner);
            holder[0] = queue;
            var job = store.AddJob(new Job
            {
                Kind = JobKind.Unlearn, Dataset = "fashion-mnist", Architecture = "compact", Method = "FineTuning",
                Status = JobStatus.Queued, Stage = "Queued", CreatedUtc = DateTime.UtcNow,
            });
            queue.Start();
            var done = JobQueueTests.WaitFor(store, job.Id, TimeSpan.FromSeconds(30));
            return (done, runner.Calls, done.ReservedExperimentId is { } id && Directory.Exists(store.Artifacts.FolderOf(id)));
        }
    }

    /// <summary>Writes a partial checkpoint under the job's reserved experiment id, as a run that dies mid-way leaves one.</summary>
    private static string WritePartialFile(ExperimentStore store, Job job)
    {
        var folder = store.Artifacts.FolderOf(job.ReservedExperimentId!);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "model.pt"), "partial");
        return folder;
    }

    [Fact]
    public void A_native_failure_is_retried_once_after_the_partial_files_are_removed()
    {
        string? folderOfFirstAttempt = null;
        bool partialFileSeenBySecondAttempt = true;
        string? stageSeenBySecondAttempt = null;
        var (job, attempts, _) = Run(
            (_, store, j, _) =>
            {
                folderOfFirstAttempt = WritePartialFile(store, j);
                throw new ExternalException(NativeMessage);
            },
            (_, store, j, _) =>
            {
                partialFileSeenBySecondAttempt = File.Exists(Path.Combine(folderOfFirstAttempt!, "model.pt"));
                stageSeenBySecondAttempt = store.GetJob(j.Id)!.Stage;
                return "result-of-the-retry";
            });
        Assert.Equal(2, attempts);
        Assert.False(partialFileSeenBySecondAttempt);
        Assert.StartsWith(JobQueue.RetryStage, stageSeenBySecondAttempt);
        Assert.Contains("ExternalException: Expected false to be true", stageSeenBySecondAttempt);
        Assert.Equal(JobStatus.Succeeded, job.Status);
        Assert.Equal("result-of-the-retry", job.ResultExperimentId);
        Assert.Contains("retry", job.Stage);
        Assert.Null(job.Error);
    }

    [Fact]
    public void A_second_native_failure_fails_the_job_with_its_message()
    {
        var (job, attempts, folderLeft) = Run(
            (_, _, _, _) => throw new ExternalException("first: " + NativeMessage),
            (_, store, j, _) =>
            {
                WritePartialFile(store, j);
                throw new ExternalException("second: " + NativeMessage);
            });
        Assert.Equal(2, attempts);
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Contains("Failed again after one retry of a native LibTorch error", job.Error);
        Assert.Contains("ExternalException: second: Expected false to be true", job.Error);
        Assert.False(folderLeft);   // the last attempt's files go as for any failure
    }

    [Fact]
    public void A_user_error_is_not_retried()
    {
        var (job, attempts, _) = Run((_, _, _, _) => throw new ArgumentException("Forget class 12 is out of range."));
        Assert.Equal(1, attempts);
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal("Forget class 12 is out of range.", job.Error);
    }

    [Fact]
    public void A_cancelled_job_is_not_retried_even_when_the_native_call_then_fails()
    {
        var (cancelled, attempts, _) = Run((q, _, j, ct) =>
        {
            q.Cancel(j.Id);
            ct.ThrowIfCancellationRequested();
            return "never";
        });
        Assert.Equal(1, attempts);
        Assert.Equal(JobStatus.Cancelled, cancelled.Status);

        var (failed, attemptsAfterNative, _) = Run((q, _, j, _) =>
        {
            q.Cancel(j.Id);
            throw new ExternalException(NativeMessage);
        });
        Assert.Equal(1, attemptsAfterNative);
        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.DoesNotContain("retry", failed.Error);
    }
}
