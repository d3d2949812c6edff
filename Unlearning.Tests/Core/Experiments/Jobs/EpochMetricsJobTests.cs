using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Unlearning.Core.Evaluation;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Jobs;

namespace Unlearning.Tests.Core.Experiments.Jobs;

/// <summary>
/// "Track per-epoch metrics" through the queue (docs/metrics.md, "Per-epoch metrics"): the flag travels in the job's JSON without a
/// column, the stored results carry epochs + 1 records whose last entry is the final model (as the evaluator measures it), the
/// default job carries none, and the export writes them under the original's key.
/// </summary>
[Collection("Torch")]
public class EpochMetricsJobTests
{
    [Fact]
    public void The_job_option_is_kept_apart_from_the_hyperparameters()
    {
        var json = JobOptions.Serialize(new Dictionary<string, double> { ["epochs"] = 2 }, trackEpochMetrics: true);
        Assert.True(JobOptions.TracksEpochMetrics(json));
        Assert.Equal(new Dictionary<string, double> { ["epochs"] = 2 }, JobOptions.Hyperparameters(json));
        var off = JobOptions.Serialize(new Dictionary<string, double> { ["epochs"] = 2 }, trackEpochMetrics: false);
        Assert.False(JobOptions.TracksEpochMetrics(off));
        Assert.DoesNotContain("$", off);
        Assert.False(JobOptions.TracksEpochMetrics("not json"));
        Assert.Empty(JobOptions.Hyperparameters("not json"));
    }

    [Fact]
    public void A_tracked_job_stores_epochs_plus_one_records_and_an_untracked_one_none()
    {
        var (sp, store, _) = TestStore.New(TinyFashionMnist.Create(6));
        using (sp)
        {
            var queue = sp.GetRequiredService<JobQueue>();
            queue.Start();
            Assert.Contains("unlearning jobs only", Assert.Throws<ArgumentException>(() =>
                queue.Enqueue(new JobRequest { Kind = JobKind.Retrain, ForgetClass = 6, TrackEpochMetrics = true })).Message);
            // A reserved option key cannot be sent as a hyperparameter.
            Assert.Throws<ArgumentException>(() => queue.Enqueue(new JobRequest
            {
                Method = "FineTuning", ForgetClass = 6, Hyperparameters = new() { [JobOptions.TrackEpochMetricsKey] = [1] },
            }));

            var hp = new Dictionary<string, double[]> { ["epochs"] = [2], ["retain_fraction"] = [0.5] };
            var tracked = queue.Enqueue(new JobRequest { Method = "FineTuning", ForgetClass = 6, Seed = 5, Hyperparameters = hp, TrackEpochMetrics = true })[0];
            var plain = queue.Enqueue(new JobRequest { Method = "FineTuning", ForgetClass = 6, Seed = 5, Hyperparameters = hp })[0];
            Assert.True(tracked.TracksEpochMetrics());
            Assert.False(plain.TracksEpochMetrics());
            var doneTracked = WaitFor(store, tracked.Id);
            var donePlain = WaitFor(store, plain.Id);
            Assert.True(doneTracked.Status == JobStatus.Succeeded, doneTracked.Error);
            Assert.True(donePlain.Status == JobStatus.Succeeded, donePlain.Error);

            var e = store.Get(doneTracked.ResultExperimentId!)!;
            Assert.DoesNotContain("$", e.HyperparametersJson);
            var m = ResultsDocument.Load(store.Artifacts, e)!.EpochMetrics!;
            Assert.Equal(3, m.Count);
            foreach (var key in EpochMetrics.Keys) Assert.Equal(3, m.Series(key).Count);
            // The last record is the final model; the evaluator measured the same model on the same sets.
            Assert.Equal(e.UA!.Value, m.UA[^1]!.Value, 9);
            Assert.Equal(e.TRA!.Value, m.TRA[^1]!.Value, 9);
            Assert.Equal(e.PS!.Value, m.PS[^1]!.Value, 9);
            Assert.All(m.CMia.Concat(m.EMia), v => Assert.InRange(v!.Value, 0, 1));
            // Same seed and settings: tracking changed neither the model nor its numbers.
            var p = store.Get(donePlain.ResultExperimentId!)!;
            Assert.Null(ResultsDocument.Load(store.Artifacts, p)!.EpochMetrics);
            Assert.Equal((p.UA, p.RA, p.TUA, p.TRA, p.PS), (e.UA, e.RA, e.TUA, e.TRA, e.PS));

            var transfer = sp.GetRequiredService<ExperimentTransfer>();
            var ms = new MemoryStream();
            transfer.Export(e.Id, ms, withFeatures: false);
            var exported = JsonDocument.Parse(ms.ToArray()).RootElement.GetProperty("epoch_metrics");
            Assert.Equal(EpochMetrics.Keys, exported.EnumerateObject().Select(x => x.Name));
            Assert.All(exported.EnumerateObject(), s => Assert.Equal(3, s.Value.GetArrayLength()));
            Assert.Equal(Math.Round(m.UA[0]!.Value, 3), exported.GetProperty("UA")[0].GetDouble());
            ms.SetLength(0);
            transfer.Export(p.Id, ms, withFeatures: false);
            Assert.False(JsonDocument.Parse(ms.ToArray()).RootElement.TryGetProperty("epoch_metrics", out _));
            queue.Dispose();
        }
    }

    private static Job WaitFor(ExperimentStore store, long id) => JobQueueTests.WaitFor(store, id, TimeSpan.FromMinutes(8));
}
