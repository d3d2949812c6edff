using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Unlearning.Core;
using Unlearning.Core.Experiments;
using Unlearning.Core.Training;

namespace Unlearning.Tests.Core.Experiments;

public class StoreTests
{
    [Fact]
    public void Migrations_create_the_database_and_experiments_round_trip()
    {
        var (sp, store, dir) = TestStore.New();
        using (sp)
        {
            Assert.True(File.Exists(Path.Combine(dir, "app", "unlearning.db")));
            var created = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
            store.Add(new Experiment
            {
                Id = "3f9c", Dataset = "fashion-mnist", Architecture = "compact", ForgetClass = 4, Type = ExperimentType.Unlearned,
                BaseId = "0004-fashion-mnist-compact", Method = "FineTuning", HyperparametersJson = "{\"epochs\":2}", Epochs = 2, BatchSize = 128,
                LearningRate = 0.01, Seed = 7, UA = 0.125, RA = 0.9, TUA = 0.1, TRA = 0.88, RT = 12.3, PS = 0.42, CreatedUtc = created,
                Status = ExperimentStatus.Ready,
            });
            var back = store.Get("3f9c")!;
            Assert.Equal(ExperimentType.Unlearned, back.Type);
            Assert.Equal((0.125, 0.9, 0.1, 0.88, 12.3, 0.42), (back.UA, back.RA, back.TUA, back.TRA, back.RT, back.PS) is (double a, double b, double c, double d, double e, double f) ? (a, b, c, d, e, f) : default);
            Assert.Equal(created, back.CreatedUtc);
            Assert.Equal(DateTimeKind.Utc, back.CreatedUtc.Kind);
            Assert.Single(store.List("fashion-mnist", "compact", 4));
            Assert.Empty(store.List("fashion-mnist", "compact", 3));

            var job = store.AddJob(new Job { Dataset = "fashion-mnist", Architecture = "compact", ForgetClass = 4, Kind = JobKind.Unlearn, Status = JobStatus.Queued, CreatedUtc = created });
            Assert.True(job.Id > 0);
            Assert.Equal(job.Id, store.NextQueuedJob()!.Id);
            job.Status = JobStatus.Failed;
            job.Error = "boom";
            store.UpdateJob(job);
            Assert.Null(store.NextQueuedJob());
            Assert.Equal("boom", store.GetJob(job.Id)!.Error);

            store.Delete("3f9c");
            Assert.Null(store.Get("3f9c"));
            Assert.Throws<KeyNotFoundException>(() => store.Delete("3f9c"));
        }
    }

    /// <summary>A shipped baseline folder with an Original and the Retrained model of class 2 (files of the given contents, 100 s RT).</summary>
    private static (string Folder, BaselineManifest Manifest) ShipOriginalAndRetrained2(ExperimentStore store, string original, string retrained)
    {
        var folder = DataPaths.BaselineFolder(store.DataRoot, "fashion-mnist", "compact");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "original.pt"), original);
        File.WriteAllText(Path.Combine(folder, "retrained-2.pt"), retrained);
        var manifest = new BaselineManifest
        {
            Dataset = "fashion-mnist", Architecture = "compact", Recipe = TrainOptions.CompactDefaults,
            Models = [new BaselineEntry { Kind = "Original", File = "original.pt" }, new BaselineEntry { Kind = "Retrained", ForgetClass = 2, File = "retrained-2.pt", TrainSeconds = 100 }],
        };
        manifest.Save(folder);
        return (folder, manifest);
    }

    [Fact]
    public void Baseline_rows_come_from_the_manifest_and_cannot_be_deleted()
    {
        var (sp, store, dir) = TestStore.New();
        using (sp)
        {
            var (folder, _) = ShipOriginalAndRetrained2(store, "x", "x");

            var pending = store.EnsureBaselineRows("fashion-mnist", "compact", 10);
            Assert.Equal(11, pending.Count); // 10 Original rows + 1 Retrained row
            Assert.Equal(pending, store.EnsureBaselineRows("fashion-mnist", "compact", 10)); // idempotent, still pending
            var rows = store.List("fashion-mnist", "compact", 2);
            Assert.Equal([ExperimentType.Original, ExperimentType.Retrained], rows.Select(r => r.Type));
            Assert.Equal(["0002", "a002"], rows.Select(r => ExperimentIds.Display(r.Id)));
            Assert.Equal(100, rows[1].RT);
            Assert.Equal(Path.Combine(folder, "retrained-2.pt"), store.ResolveCheckpoint(rows[1]));
            Assert.Throws<InvalidOperationException>(() => store.Delete(rows[0].Id));
        }
    }

    [Fact]
    public void A_changed_baseline_checkpoint_sends_its_evaluated_row_back_to_pending()
    {
        var (sp, store, _) = TestStore.New();
        using (sp)
        {
            var (folder, manifest) = ShipOriginalAndRetrained2(store, "first model", "first retrained");
            store.EnsureBaselineRows("fashion-mnist", "compact", 10);
            // SHA-256 of the file, computed here independently.
            var expectedSha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("first retrained"u8.ToArray()));
            var expectedOriginalSha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("first model"u8.ToArray()));
            foreach (var id in new[] { ExperimentIds.Original("fashion-mnist", "compact", 2), ExperimentIds.Retrained("fashion-mnist", "compact", 2), ExperimentIds.Original("fashion-mnist", "compact", 3) })
            {
                var e = store.Get(id)!;
                e.Status = ExperimentStatus.Ready; e.UA = 0.5; e.TRA = 0.9; e.ResultsPath = "results/" + id + ".json";
                store.Update(e);
            }
            Assert.Equal(expectedSha, store.Get(ExperimentIds.Retrained("fashion-mnist", "compact", 2))!.CheckpointSha256);

            // Unchanged files: the evaluated rows stay as they are.
            var pending = store.EnsureBaselineRows("fashion-mnist", "compact", 10);
            Assert.DoesNotContain(ExperimentIds.Retrained("fashion-mnist", "compact", 2), pending);
            Assert.Equal(0.5, store.Get(ExperimentIds.Retrained("fashion-mnist", "compact", 2))!.UA);

            // New Retrained checkpoint (and training time) shipped: that row is pending again with no stale numbers, and so is
            // the Original row of the class (its PS and CKA were measured against the old Retrained model); other classes keep theirs.
            File.WriteAllText(Path.Combine(folder, "retrained-2.pt"), "second retrained");
            manifest.Models[1] = manifest.Models[1] with { TrainSeconds = 40 };
            manifest.Save(folder);
            pending = store.EnsureBaselineRows("fashion-mnist", "compact", 10);
            var retrained = store.Get(ExperimentIds.Retrained("fashion-mnist", "compact", 2))!;
            Assert.Contains(retrained.Id, pending);
            Assert.Equal(ExperimentStatus.Pending, retrained.Status);
            Assert.Null(retrained.UA);
            Assert.Null(retrained.TRA);
            Assert.Null(retrained.ResultsPath);
            Assert.Equal(40, retrained.RT);
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("second retrained"u8.ToArray())), retrained.CheckpointSha256);
            var original = store.Get(ExperimentIds.Original("fashion-mnist", "compact", 2))!;
            Assert.Equal(ExperimentStatus.Pending, original.Status);
            Assert.Null(original.UA);
            Assert.Contains(original.Id, pending);
            Assert.Equal(expectedOriginalSha, original.CheckpointSha256);
            Assert.Equal(ExperimentStatus.Ready, store.Get(ExperimentIds.Original("fashion-mnist", "compact", 3))!.Status);
            Assert.DoesNotContain(ExperimentIds.Original("fashion-mnist", "compact", 3), pending);
        }
    }

    [Fact]
    public void Atomic_writes_leave_no_temporary_file_and_keep_the_old_file_on_failure()
    {
        var path = Path.Combine(TestData.TempFolder(), "a", "results.json");
        ArtifactStore.WriteAllTextAtomic(path, "one");
        Assert.Throws<InvalidOperationException>(() => ArtifactStore.WriteAtomic(path, s => { s.WriteByte(1); throw new InvalidOperationException("fail"); }));
        Assert.Equal("one", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void Configuration_binds_paths_and_device()
    {
        var dir = TestData.TempFolder();
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Unlearning:DataRoot"] = dir, ["Unlearning:AppFolder"] = Path.Combine(dir, "state"), ["Unlearning:Device"] = "cpu",
        }).Build();
        using var sp = new ServiceCollection().AddLogging().AddUnlearningCore(config).BuildServiceProvider();
        var paths = sp.GetRequiredService<ResolvedPaths>();
        Assert.Equal(dir, paths.DataRoot);
        Assert.Equal(Path.Combine(dir, "state", "unlearning.db"), paths.DatabasePath);
    }
}
