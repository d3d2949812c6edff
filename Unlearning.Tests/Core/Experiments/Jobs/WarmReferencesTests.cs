using Microsoft.Extensions.DependencyInjection;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Jobs;

namespace Unlearning.Tests.Core.Experiments.Jobs;

/// <summary>
/// Warming a forget set's reference Gram matrices on a runner (docs/architecture.md, "Caches"), on the tiny generated
/// dataset: evaluated baselines are warmed once, missing or unevaluated ones and unknown ids are skipped without an error.
/// </summary>
[Collection("Torch")]
public class WarmReferencesTests
{
    [Fact]
    public void A_runner_warms_the_evaluated_baselines_once_and_skips_what_it_cannot_warm()
    {
        var (sp, store, _) = TestStore.New(TinyFashionMnist.Create(6));
        using (sp)
        {
            var queue = sp.GetRequiredService<JobQueue>();
            queue.Start();
            var runner = sp.GetRequiredService<Func<JobRunner>>()();
            // Before the baselines are evaluated there is nothing to warm.
            Assert.Equal(0, runner.WarmReferenceBatches("fashion-mnist", "compact", "class-6"));

            var job = queue.RequestBaselineEvaluation("fashion-mnist", "compact", "class-6");
            Assert.NotNull(job);
            Assert.Equal(JobStatus.Succeeded, JobQueueTests.WaitFor(store, job.Id, TimeSpan.FromMinutes(5)).Status);

            // A fresh runner (another worker thread) has an empty cache: both references are computed, then nothing more.
            int computed = runner.WarmReferenceBatches("fashion-mnist", "compact", "class-6");
            Assert.True(computed >= 2 * 4, $"{computed} batches: expected at least one per CKA set for each of the two references");
            Assert.Equal(0, runner.WarmReferenceBatches("fashion-mnist", "compact", "class-6"));

            Assert.Equal(0, runner.WarmReferenceBatches("no-such-dataset", "compact", "class-6"));
            Assert.Equal(0, runner.WarmReferenceBatches("fashion-mnist", "no-such-arch", "class-6"));
            Assert.Equal(0, runner.WarmReferenceBatches("fashion-mnist", "compact", "s0000000000"));
            // Class 3's Original is not evaluated for that set yet (its row is Pending): nothing is warmed.
            Assert.Equal(0, runner.WarmReferenceBatches("fashion-mnist", "compact", "class-3"));
        }
    }
}
