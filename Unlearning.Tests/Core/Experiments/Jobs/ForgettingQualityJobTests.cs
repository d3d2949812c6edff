using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TorchSharp;
using Unlearning.Core.Data;
using Unlearning.Core.Evaluation.Privacy;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Jobs;
using Unlearning.Core.Models;

namespace Unlearning.Tests.Core.Experiments.Jobs;

/// <summary>
/// Forgetting quality end to end on the tiny dataset with K = 4 (docs/metrics.md, "Forgetting quality"): the plan names
/// the missing seeds, the service queues them and the scoring job, and the stored F is the score of φ values recomputed
/// here from the checkpoints.
/// </summary>
[Collection("Torch")]
public class ForgettingQualityJobTests
{
    [Fact]
    public void A_group_of_four_runs_is_scored_against_four_retrained_models()
    {
        var (sp, store, _) = TestStore.New(TinyFashionMnist.Create());
        using (sp)
        {
            var queue = sp.GetRequiredService<JobQueue>();
            queue.Start();
            var info = DatasetCatalog.FashionMnist;
            var service = sp.GetRequiredService<ForgettingQualityService>();
            var set = sp.GetRequiredService<ForgetSetService>().Create(info, new ForgetSetRequest { Kind = ForgetSetKind.Random, Percent = 5, Seed = 3 });
            var end = DateTime.UtcNow.AddMinutes(12);
            void Run(IEnumerable<Job> jobs)
            {
                foreach (var job in jobs)
                {
                    var done = JobQueueTests.WaitFor(store, job.Id, end);
                    Assert.True(done.Status == JobStatus.Succeeded, $"job {done.Id} ({done.Kind}): {done.Status} {done.Error}");
                }
            }
            // Two Retrained seeds and one unlearning run exist before the plan is made.
            Run(queue.Enqueue(new JobRequest { Kind = JobKind.Retrain, ForgetSet = set.Id, Seeds = [5, 7], Hyperparameters = new() { ["epochs"] = [2], ["batch_size"] = [64] } }));
            var first = queue.Enqueue(new JobRequest { ForgetSet = set.Id, Method = "FineTuning", Seed = 0, Hyperparameters = new() { ["epochs"] = [1] } });
            Run(first);
            var runId = store.GetJob(first[0].Id)!.ResultExperimentId!;

            Assert.Throws<ArgumentException>(() => service.Estimate(runId, 2));
            Assert.Throws<ArgumentException>(() => service.Estimate(ExperimentIds.Original("fashion-mnist", "compact", set.Id), 4));
            Assert.Throws<KeyNotFoundException>(() => service.Estimate("nope", 4));
            var plan = service.Estimate(runId, 4).Plan;
            Assert.Equal([1L, 2L, 3L], plan.MissingUnlearnedSeeds);   // seed 0 is taken by the first run
            Assert.Equal([0L, 1L], plan.MissingRetrainedSeeds);        // 5 and 7 are taken
            // The scoring job alone fails with the counts while seeds are missing, and stores nothing.
            var early = queue.Enqueue(new JobRequest { Kind = JobKind.ForgettingQuality, ForgetSet = set.Id, BaseExperimentId = runId, GroupSize = 4 });
            var failed = JobQueueTests.WaitFor(store, early[0].Id, end);
            Assert.Equal(JobStatus.Failed, failed.Status);
            Assert.Contains("needs 4 Ready runs on each side", failed.Error);
            Assert.Empty(store.ListForgettingQuality("fashion-mnist", "compact", set.Id));

            // The Retrained seeds the plan adds are trained with the default recipe; train them small first instead, so
            // that the service only queues the unlearning runs and the scoring job.
            Run(queue.Enqueue(new JobRequest { Kind = JobKind.Retrain, ForgetSet = set.Id, Seeds = [0, 1], Hyperparameters = new() { ["epochs"] = [2], ["batch_size"] = [64] } }));
            var queued = service.Queue(runId, 4);
            Assert.Equal(4, queued.Count);   // three unlearning seeds, then the scoring job
            Assert.Equal(JobKind.ForgettingQuality, queued[^1].Kind);
            Run(queued);

            var record = Assert.Single(store.ListForgettingQuality("fashion-mnist", "compact", set.Id));
            Assert.Equal(4, record.K);
            Assert.Null(record.CeilingF);   // 4 Retrained models: halves of 2 are too small for a ceiling
            var details = service.Details(record)!;
            var scenario = store.Scenario(info, set.Id);
            Assert.Equal(scenario.Indexes!.Order(), details.ForgetIndexes);
            var unlearnedIds = JsonSerializer.Deserialize<string[]>(record.UnlearnedIdsJson)!;
            var retrainedIds = JsonSerializer.Deserialize<string[]>(record.RetrainedIdsJson)!;
            Assert.Equal(4, unlearnedIds.Distinct().Count());
            Assert.Equal(4, retrainedIds.Distinct().Count());
            Assert.All(unlearnedIds, id => Assert.Equal(ExperimentType.Unlearned, store.Get(id)!.Type));
            Assert.All(retrainedIds, id => Assert.Equal(ExperimentType.Retrained, store.Get(id)!.Type));

            // φ recomputed here from each checkpoint: log p_y − log Σ_{j≠y} p_j from a float64 softmax of the logits, in one
            // batch (the job uses batches of 500): 1e-3 leaves room for float32 batch effects and the stored 4 decimals.
            var splits = sp.GetRequiredService<DatasetLoader>().Load(info);
            double[] Phi(string id)
            {
                using var scope = torch.NewDisposeScope();
                using var model = ModelCatalog.Compact.Create(info);
                Checkpoint.Load(model, store.ResolveCheckpoint(store.Get(id)!));
                model.eval();
                using var train = new TensorData(splits.Train, torch.CPU);
                using var noGrad = torch.no_grad();
                var (x, y) = train.Batch([.. details.ForgetIndexes.Select(i => (long)i)]);
                var logits = model.call(x).data<float>().ToArray();
                var labels = y.data<long>().ToArray();
                int c = logits.Length / labels.Length;
                return [.. labels.Select((label, r) =>
                {
                    var row = logits[(r * c)..((r + 1) * c)].Select(v => (double)v).ToArray();
                    double max = row.Max(), sum = row.Sum(v => Math.Exp(v - max));
                    double p = Math.Exp(row[label] - max) / sum;
                    double wrong = row.Where((_, j) => j != label).Sum(v => Math.Exp(v - max)) / sum;
                    return Math.Log(p) - Math.Log(wrong);
                })];
            }
            var u = unlearnedIds.Select(Phi).ToList();
            var rt = retrainedIds.Select(Phi).ToList();
            for (int m = 0; m < 4; m++)
                for (int i = 0; i < u[m].Length; i++)
                {
                    Assert.True(Math.Abs(u[m][i] - details.Unlearned[m][i]) < 1e-3, $"unlearned {m}, example {i}: {u[m][i]} vs {details.Unlearned[m][i]}");
                    Assert.True(Math.Abs(rt[m][i] - details.Retrained[m][i]) < 1e-3, $"Retrained {m}, example {i}: {rt[m][i]} vs {details.Retrained[m][i]}");
                }
            // F from the stored φ (the scorer itself is checked against hand values and the organisers' code elsewhere).
            Assert.Equal(ForgettingQuality.Score(details.Unlearned, details.Retrained).F, record.F, 9);
            Assert.Equal(details.Points.Average(), record.F, 9);
            Assert.InRange(record.F, 0, 1);
            // The final score: F × RA/RA_R × TA/TA_R with means over each side.
            double Mean(IEnumerable<string> ids, Func<Experiment, double?> f) => ids.Select(id => f(store.Get(id)!)!.Value).Average();
            double expected = record.F * Mean(unlearnedIds, e => e.RA) / Mean(retrainedIds, e => e.RA) * Mean(unlearnedIds, e => e.TRA) / Mean(retrainedIds, e => e.TRA);
            Assert.Equal(expected, record.Score, 9);
            queue.Dispose();
        }
    }
}
