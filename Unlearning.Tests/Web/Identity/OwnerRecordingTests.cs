using Microsoft.Extensions.DependencyInjection;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Jobs;

namespace Unlearning.Tests.Web.Identity;

/// <summary>The owner of a build request reaches its jobs and, through the worker, the experiment it creates (docs/lab-identity.md).</summary>
[Collection("Torch")]
public class OwnerRecordingTests
{
    [Fact]
    public void A_jobs_owner_is_recorded_on_the_job_and_on_its_experiment()
    {
        var (sp, store, _) = TestStore.New(TinyFashionMnist.Create(6));
        using (sp)
        {
            var queue = sp.GetRequiredService<JobQueue>();
            queue.Start();
            var jobs = queue.Enqueue(new JobRequest
            {
                Method = "SSD", ForgetClass = 6, Seed = 3, Owner = "rita",
                Hyperparameters = new() { ["selection_weight"] = [5], ["importance_fraction"] = [0.5] },
            });
            Assert.Equal("rita", store.GetJob(jobs[0].Id)!.Owner);
            var deadline = DateTime.UtcNow.AddMinutes(8);
            Job done;
            while ((done = store.GetJob(jobs[0].Id)!).Status is JobStatus.Queued or JobStatus.Running && DateTime.UtcNow < deadline) Thread.Sleep(200);
            Assert.True(done.Status == JobStatus.Succeeded, done.Error);
            Assert.Equal("rita", store.Get(done.ResultExperimentId!)!.Owner);
            queue.Dispose();
        }
    }

    [Fact]
    public void An_owner_longer_than_the_column_is_refused()
    {
        var (sp, _, _) = TestStore.New(TinyFashionMnist.Create(6));
        using (sp)
        {
            var queue = sp.GetRequiredService<JobQueue>();
            var e = Assert.Throws<ArgumentException>(() => queue.Enqueue(new JobRequest { Kind = JobKind.Evaluate, ForgetClass = 6, Owner = new string('a', Job.MaxOwnerLength + 1) }));
            Assert.Contains("at most", e.Message);
        }
    }
}
