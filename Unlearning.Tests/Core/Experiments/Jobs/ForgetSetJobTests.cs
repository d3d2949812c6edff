using Microsoft.Extensions.DependencyInjection;
using TorchSharp;
using Unlearning.Core.Data;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Jobs;
using Unlearning.Core.Experiments.Results;
using Unlearning.Core.Models;

namespace Unlearning.Tests.Core.Experiments.Jobs;

/// <summary>
/// A sample forget set through the whole job pipeline on the tiny dataset (docs/forget-sets.md): its Original row, its
/// Retrained models (two seeds), seed-grouped unlearning runs, the sample-set metrics and the gap.
/// </summary>
[Collection("Torch")]
public class ForgetSetJobTests
{
    [Fact]
    public void A_random_forget_set_gets_retrained_models_grouped_seed_runs_and_sample_metrics()
    {
        var (sp, store, _) = TestStore.New(TinyFashionMnist.Create());
        using (sp)
        {
            var queue = sp.GetRequiredService<JobQueue>();
            queue.Start();
            var info = DatasetCatalog.FashionMnist;
            var set = sp.GetRequiredService<ForgetSetService>().Create(info, new ForgetSetRequest { Kind = ForgetSetKind.Random, Percent = 5, Seed = 1 });
            Assert.Equal(100, set.Size);   // 5 % of 2,000 tiny train images
            Assert.Equal("random 5 % · seed 1", set.Name);

            var classOnly = Assert.Throws<ArgumentException>(() => queue.Enqueue(new JobRequest { ForgetSet = set.Id, Method = "BoundaryShrink" }));
            Assert.Contains("whole classes", classOnly.Message);
            Assert.Throws<KeyNotFoundException>(() => queue.Enqueue(new JobRequest { ForgetSet = "s0000000000", Method = "FineTuning" }));
            Assert.Throws<ArgumentException>(() => queue.Enqueue(new JobRequest { ForgetSet = set.Id, Method = "FineTuning", Seeds = [1, 1] }));

            var retrain = queue.Enqueue(new JobRequest
            {
                Kind = JobKind.Retrain, ForgetSet = set.Id, Seeds = [1, 2], Hyperparameters = new() { ["epochs"] = [3], ["batch_size"] = [64] },
            });
            var unlearn = queue.Enqueue(new JobRequest { ForgetSet = set.Id, Method = "FineTuning", Seeds = [1, 2], Hyperparameters = new() { ["epochs"] = [1] } });
            Assert.Equal(2, retrain.Count);
            Assert.Equal(2, unlearn.Count);
            Assert.Equal(unlearn[0].GroupId, unlearn[1].GroupId);
            var end = DateTime.UtcNow.AddMinutes(10);
            foreach (var job in retrain.Concat(unlearn))
            {
                var done = JobQueueTests.WaitFor(store, job.Id, end);
                Assert.True(done.Status == JobStatus.Succeeded, $"job {done.Id} ({done.Kind}): {done.Status} {done.Error}");
            }

            var rows = store.List("fashion-mnist", "compact", set.Id);
            Assert.All(rows, r => Assert.Equal(ExperimentStatus.Ready, r.Status));
            Assert.All(rows, r => Assert.Null(r.TUA));   // no test sample was forgotten
            Assert.All(rows, r => Assert.Equal(-1, r.ForgetClass));
            var original = Assert.Single(rows, r => r.Type == ExperimentType.Original);
            Assert.Equal(ExperimentIds.Original("fashion-mnist", "compact", set.Id), original.Id);
            var retrained = rows.Where(r => r.Type == ExperimentType.Retrained).OrderBy(r => r.Id.Length).ToList();
            Assert.Equal(2, retrained.Count);
            Assert.Equal(ExperimentIds.Retrained("fashion-mnist", "compact", set.Id), retrained[0].Id);
            Assert.Equal(ExperimentIds.RetrainedSeed("fashion-mnist", "compact", set.Id, 2), retrained[1].Id);
            var unlearned = rows.Where(r => r.Type == ExperimentType.Unlearned).ToList();
            Assert.Equal(2, unlearned.Count);
            Assert.Equal([1L, 2L], unlearned.Select(r => r.Seed!.Value).Order());

            // UA, RA and TA recomputed here from the Original's checkpoint, sample by sample.
            var scenario = store.Scenario(info, set.Id);
            var splits = sp.GetRequiredService<DatasetLoader>().Load(info);
            var forget = scenario.Indexes!.ToHashSet();
            var (trainCorrect, testCorrect, trainConfidence, testConfidence) = Predictions(store.ResolveCheckpoint(original), info, splits);
            double ua = Enumerable.Range(0, splits.Train.Count).Where(forget.Contains).Average(i => trainCorrect[i] ? 1.0 : 0.0);
            double ra = Enumerable.Range(0, splits.Train.Count).Where(i => !forget.Contains(i)).Average(i => trainCorrect[i] ? 1.0 : 0.0);
            double ta = testCorrect.Average(c => c ? 1.0 : 0.0);
            Assert.Equal(ua, original.UA!.Value, 9);
            Assert.Equal(ra, original.RA!.Value, 9);
            Assert.Equal(ta, original.TRA!.Value, 9);
            Assert.NotNull(original.PS);
            // MIA against the test set: the AUC of the top-1 confidence, forget samples against the whole test set, as a
            // pair count (independent of the rank formula); 1e-3 leaves room for batch-size effects on float32 logits.
            double wins = 0;
            var forgetConfidence = scenario.Indexes!.Select(i => trainConfidence[i]).ToArray();
            foreach (var a in forgetConfidence) foreach (var b in testConfidence) wins += a > b ? 1 : a == b ? 0.5 : 0;
            Assert.Equal(wins / (forgetConfidence.Length * testConfidence.Length), original.MIA!.Value, 3);
            // Privacy of retained data: the same pair count, the other train samples against the whole test set.
            wins = 0;
            var retainConfidence = Enumerable.Range(0, splits.Train.Count).Where(i => !forget.Contains(i)).Select(i => trainConfidence[i]).ToArray();
            foreach (var a in retainConfidence) foreach (var b in testConfidence) wins += a > b ? 1 : a == b ? 0.5 : 0;
            Assert.Equal(wins / ((double)retainConfidence.Length * testConfidence.Length), original.RetainMia!.Value, 3);

            // The embedding's subset holds every forget sample, marked as such, and no other sample is marked.
            var points = ResultsDocument.Load(store.Artifacts, original)!.Points;
            Assert.Equal(2000, points.Count);
            Assert.Equal(forget.Order(), points.Where(p => p.IsForget).Select(p => p.Img).Order());

            // One group of two runs; the gap is measured against the mean of the two Retrained models.
            var group = Assert.Single(RunGroups.Group(unlearned));
            Assert.Equal(2, group.Runs.Count);
            var reference = RunGroups.RetrainedMeans(retrained)!;
            Assert.Equal(2, reference.Runs);
            Assert.Equal((retrained[0].UA!.Value + retrained[1].UA!.Value) / 2, reference.UA!.Value, 12);
            var gap = RunGroups.Gap(unlearned[0], reference)!.Value;
            double expected = (Math.Abs(unlearned[0].UA!.Value - reference.UA.Value) + Math.Abs(unlearned[0].RA!.Value - reference.RA!.Value)
                               + Math.Abs(unlearned[0].TRA!.Value - reference.TRA!.Value)) / 3;
            Assert.Equal(expected, gap, 12);

            // Deleting the set is refused while it has unlearned models; without them it goes with its baseline rows.
            Assert.Throws<InvalidOperationException>(() => store.DeleteForgetSet(info.Id, set.Id));
            foreach (var u in unlearned) store.Delete(u.Id);
            store.DeleteForgetSet(info.Id, set.Id);
            Assert.Empty(store.List("fashion-mnist", "compact", set.Id));
            Assert.Null(store.GetForgetSet(info.Id, set.Id));
            queue.Dispose();
        }
    }

    private static (bool[] Train, bool[] Test, double[] TrainConfidence, double[] TestConfidence) Predictions(string checkpoint, DatasetInfo info, DatasetSplits splits)
    {
        using var scope = torch.NewDisposeScope();
        using var model = ModelCatalog.Compact.Create(info);
        Checkpoint.Load(model, checkpoint);
        model.eval();
        using var train = new TensorData(splits.Train, torch.CPU);
        using var test = new TensorData(splits.Test, torch.CPU);
        var (trainCorrect, trainConfidence) = Correct(model, train);
        var (testCorrect, testConfidence) = Correct(model, test);
        return (trainCorrect, testCorrect, trainConfidence, testConfidence);

        static (bool[], double[]) Correct(Classifier model, TensorData data)
        {
            using var noGrad = torch.no_grad();
            var result = new bool[data.Count];
            var confidence = new double[data.Count];
            foreach (var chunk in Enumerable.Range(0, data.Count).Chunk(500))
            {
                using var s = torch.NewDisposeScope();
                var (x, y) = data.Batch([.. chunk.Select(i => (long)i)]);
                var logits = model.call(x);
                var pred = logits.argmax(1).data<long>().ToArray();
                var labels = y.data<long>().ToArray();
                var l = logits.data<float>().ToArray();
                int k10 = (int)logits.shape[1];
                for (int k = 0; k < chunk.Length; k++)
                {
                    result[chunk[k]] = pred[k] == labels[k];
                    confidence[chunk[k]] = Unlearning.Core.Evaluation.Privacy.MiaSignals.Confidence(l[(k * k10)..((k + 1) * k10)]);
                }
            }
            return (result, confidence);
        }
    }
}
