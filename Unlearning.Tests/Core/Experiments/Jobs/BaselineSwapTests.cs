using Microsoft.Extensions.DependencyInjection;
using TorchSharp;
using Unlearning.Core;
using Unlearning.Core.Data;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Jobs;
using Unlearning.Core.Experiments.Results;
using Unlearning.Core.Models;
using Unlearning.Core.Training;
using Unlearning.Web.Components.Screen;

namespace Unlearning.Tests.Core.Experiments.Jobs;

/// <summary>
/// A baseline swap on the tiny dataset (docs/results-format.md, "Stale results"): the server is started again with a new
/// Original checkpoint. The first Retrained model is measured again against it, a further Retrained seed too, and the
/// unlearned runs built from the old Original are stale, with their reason, and kept out of group statistics and
/// forgetting quality.
/// </summary>
[Collection("Torch")]
public class BaselineSwapTests
{
    private static void Succeeds(ExperimentStore store, IEnumerable<Job> jobs, DateTime end)
    {
        foreach (var job in jobs)
        {
            Job j;
            while ((j = store.GetJob(job.Id)!).Status is JobStatus.Queued or JobStatus.Running && DateTime.UtcNow < end) Thread.Sleep(200);
            Assert.True(j.Status == JobStatus.Succeeded, $"job {j.Id} ({j.Kind}): {j.Status} {j.Error}");
        }
    }

    private static double[] CkaAgainstOriginal(ExperimentStore store, string id) =>
        [.. ResultsDocument.Load(store.Artifacts, store.Get(id)!)!.Cka!.Train.OtherClasses.SelectMany(r => r)];

    [Fact]
    public void A_new_Original_makes_unlearned_runs_stale_and_the_Retrained_models_are_measured_again()
    {
        var dataRoot = TinyFashionMnist.Create(6);
        var dir = TestData.TempFolder();
        var options = new UnlearningOptions { DataRoot = dataRoot, AppFolder = Path.Combine(dir, "app"), Device = "cpu" };
        var originalId = ExperimentIds.Original("fashion-mnist", "compact", 6);
        var retrainedId = ExperimentIds.Retrained("fashion-mnist", "compact", 6);
        var end = DateTime.UtcNow.AddMinutes(10);
        string[] runs;
        string seedId;
        double[] retrainedCka, seedCka;
        string oldSha;

        // First start: a further Retrained seed and two unlearning runs built from the shipped Original.
        using (var sp = new ServiceCollection().AddLogging().AddUnlearningCore(options).BuildServiceProvider())
        {
            var store = sp.GetRequiredService<ExperimentStore>();
            store.Migrate();
            using var queue = sp.GetRequiredService<JobQueue>();
            queue.Start();
            long shippedSeed = store.Get(retrainedId)!.Seed!.Value;
            Succeeds(store, queue.Enqueue(new JobRequest { Kind = JobKind.Retrain, ForgetClass = 6, Seed = shippedSeed + 1, Hyperparameters = new() { ["epochs"] = [2], ["batch_size"] = [64] } }), end);
            seedId = ExperimentIds.RetrainedSeed("fashion-mnist", "compact", "class-6", shippedSeed + 1);
            var jobs = queue.Enqueue(new JobRequest { ForgetClass = 6, Method = "FineTuning", Seeds = [0, 1], Hyperparameters = new() { ["epochs"] = [1] } });
            Succeeds(store, jobs, end);
            runs = [.. jobs.Select(j => store.GetJob(j.Id)!.ResultExperimentId!)];
            oldSha = store.Get(originalId)!.CheckpointSha256!;
            var retrainedSha = store.Get(retrainedId)!.CheckpointSha256!;
            foreach (var id in runs.Append(seedId))
            {
                var e = store.Get(id)!;
                Assert.Equal((oldSha, retrainedSha), (e.ReferenceOriginalSha256, e.ReferenceRetrainedSha256));
                Assert.False(store.Staleness(e).IsStale);
            }
            retrainedCka = CkaAgainstOriginal(store, retrainedId);
            seedCka = CkaAgainstOriginal(store, seedId);
        }

        // An update ships a new Original: the old weights, moved by seeded noise.
        var folder = DataPaths.BaselineFolder(dataRoot, "fashion-mnist", "compact");
        var originalFile = Path.Combine(folder, BaselineManifest.TryLoad(folder)!.Original!.File);
        using (var model = ModelCatalog.Get("compact").Create(DatasetCatalog.FashionMnist))
        {
            Checkpoint.Load(model, originalFile);
            torch.manual_seed(5);
            using (torch.no_grad())
                foreach (var p in model.parameters())
                {
                    using var scope = torch.NewDisposeScope();
                    p.add_(torch.randn_like(p).mul_(0.05));
                }
            Checkpoint.Save(model, originalFile);
        }

        // Second start on the same app folder.
        using (var sp = new ServiceCollection().AddLogging().AddUnlearningCore(options).BuildServiceProvider())
        {
            var store = sp.GetRequiredService<ExperimentStore>();
            store.Migrate();
            using var queue = sp.GetRequiredService<JobQueue>();
            queue.Start();
            var newSha = store.Get(originalId)!.CheckpointSha256!;
            Assert.NotEqual(oldSha, newSha);
            // Both references go back to Pending: the Original (new model) and the Retrained model (its CKA against the Original).
            Assert.Equal(ExperimentStatus.Pending, store.Get(originalId)!.Status);
            Assert.Equal(ExperimentStatus.Pending, store.Get(retrainedId)!.Status);

            // The unlearned runs are stale: their base model is gone.
            foreach (var id in runs)
            {
                var s = store.Staleness(store.Get(id)!);
                Assert.True(s.IsStale, id);
                Assert.Contains($"Built from an earlier Original model ({oldSha[..8]})", s.Reason);
                Assert.Contains($"now {newSha[..8]}", s.Reason);
            }

            Succeeds(store, queue.Enqueue(new JobRequest { Kind = JobKind.Evaluate, ForgetClass = 6 }), end);
            var retrained = store.Get(retrainedId)!;
            Assert.Equal(ExperimentStatus.Ready, retrained.Status);
            Assert.NotEqual(retrainedCka, CkaAgainstOriginal(store, retrainedId));
            // The further seed was measured again too: current, with a new CKA against the new Original.
            var seed = store.Get(seedId)!;
            Assert.Equal(newSha, seed.ReferenceOriginalSha256);
            Assert.False(store.Staleness(seed).IsStale);
            Assert.NotEqual(seedCka, CkaAgainstOriginal(store, seedId));

            // A new run from the new Original is current; the table groups the stale runs apart and forgetting quality
            // scores only the current run.
            var fresh = queue.Enqueue(new JobRequest { ForgetClass = 6, Method = "FineTuning", Seed = 2, Hyperparameters = new() { ["epochs"] = [1] } });
            Succeeds(store, fresh, end);
            var freshId = store.GetJob(fresh[0].Id)!.ResultExperimentId!;
            Assert.False(store.Staleness(store.Get(freshId)!).IsStale);
            var rows = store.List("fashion-mnist", "compact", 6);
            var table = new ExperimentTableModel().Rows(rows);
            var staleHead = Assert.Single(table, r => r.Runs.Any(e => e.Id == runs[0]));
            Assert.Equal(RowRole.GroupHead, staleHead.Role);
            Assert.Equal(runs.Order(), staleHead.Runs.Select(e => e.Id).Order());
            Assert.True(staleHead.Stale.IsStale);
            var currentRow = Assert.Single(table, r => r.Runs.Any(e => e.Id == freshId));
            Assert.Equal(RowRole.Single, currentRow.Role);
            Assert.Equal(store.Get(freshId)!.UA!.Value.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture), currentRow.Metrics[TableColumn.UA].Text);
            // A model unlearned from a stale run came from the old Original too: stale, although measured against the new one.
            var fromStale = queue.Enqueue(new JobRequest { ForgetClass = 6, Method = "FineTuning", BaseExperimentId = runs[0], Seed = 3, Hyperparameters = new() { ["epochs"] = [1] } });
            Succeeds(store, fromStale, end);
            var second = store.Get(store.GetJob(fromStale[0].Id)!.ResultExperimentId!)!;
            Assert.Equal((oldSha, store.Get(retrainedId)!.CheckpointSha256), (second.ReferenceOriginalSha256, second.ReferenceRetrainedSha256));
            Assert.StartsWith($"Built from a model that came from, or measured against, an earlier Original model ({oldSha[..8]})", store.Staleness(second).Reason);
            var plan = ForgettingQualityPlan.For(store.Get(freshId)!, rows, 4);
            Assert.Equal([freshId], plan.Unlearned.Select(e => e.Id));
            Assert.Equal(3, ForgettingQualityPlan.For(store.Get(freshId)!, rows, 4, includeStale: true).Unlearned.Count);
        }
    }
}
