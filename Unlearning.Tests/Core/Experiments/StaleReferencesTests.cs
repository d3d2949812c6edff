using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Unlearning.Core;
using Microsoft.Extensions.DependencyInjection;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Jobs;
using Unlearning.Core.Experiments.Results;
using Unlearning.Core.Training;

namespace Unlearning.Tests.Core.Experiments;

/// <summary>Stale results (docs/results-format.md, "Stale results"): the decision, grouping, forgetting quality, the store, the migration and the file key.</summary>
public class StaleReferencesTests
{
    private const string Set = "class-6";
    private static readonly string OriginalId = ExperimentIds.Original("fashion-mnist", "compact", 6);
    private static readonly string RetrainedId = ExperimentIds.Retrained("fashion-mnist", "compact", 6);
    private static readonly string OldO = new('a', 64), NewO = new('b', 64), OldR = new('c', 64), NewR = new('d', 64);

    private static Experiment Row(string id, ExperimentType type, string? sha = null, string? refO = null, string? refR = null, long? seed = 1,
        string? baseId = null, double ua = 0.1) => new()
    {
        Id = id, Dataset = "fashion-mnist", Architecture = "compact", ForgetClass = 6, ForgetSetId = Set, Type = type,
        Method = type == ExperimentType.Unlearned ? "FineTuning" : type == ExperimentType.Retrained ? "Retrain" : null,
        BaseId = type == ExperimentType.Unlearned ? baseId ?? OriginalId : null, HyperparametersJson = type == ExperimentType.Unlearned ? "{\"epochs\":2}" : "{}",
        Seed = seed, CheckpointSha256 = sha, ReferenceOriginalSha256 = refO, ReferenceRetrainedSha256 = refR, UA = ua,
        Status = ExperimentStatus.Ready, CheckpointPath = "x.pt", CreatedUtc = DateTime.UnixEpoch.AddMinutes(seed ?? 0),
    };

    [Fact]
    public void A_row_is_stale_when_a_recorded_reference_differs_from_the_current_one()
    {
        var original = Row(OriginalId, ExperimentType.Original, sha: NewO);
        var retrained = Row(RetrainedId, ExperimentType.Retrained, sha: OldR);

        // Same fingerprints: current.
        Assert.Equal(StaleStatus.Current, StaleReferences.Check(Row("u1", ExperimentType.Unlearned, refO: NewO, refR: OldR), original, retrained));
        // Unknown on either side (a row from before references, a baseline without a fingerprint): never stale.
        Assert.False(StaleReferences.Check(Row("u2", ExperimentType.Unlearned), original, retrained).IsStale);
        Assert.False(StaleReferences.Check(Row("u3", ExperimentType.Unlearned, refO: OldO), Row(OriginalId, ExperimentType.Original), retrained).IsStale);
        // No Retrained model when it was measured, one now: nothing it was compared with was replaced.
        Assert.False(StaleReferences.Check(Row("u4", ExperimentType.Unlearned, refO: NewO), original, retrained).IsStale);
        // The fingerprints are hex: case does not matter.
        Assert.False(StaleReferences.Check(Row("u5", ExperimentType.Unlearned, refO: NewO.ToUpperInvariant(), refR: OldR), original, retrained).IsStale);

        // Built from the Original that was replaced: its base model is gone.
        var built = StaleReferences.Check(Row("u6", ExperimentType.Unlearned, refO: OldO, refR: OldR), original, retrained);
        Assert.True(built.IsStale);
        Assert.Contains("Built from an earlier Original model (aaaaaaaa)", built.Reason);
        Assert.Contains("now bbbbbbbb", built.Reason);
        Assert.Contains("base model is gone", built.Reason);
        Assert.DoesNotContain("Retrained", built.Reason);

        // An upload (or a model unlearned from another base) was only measured against it.
        var upload = Row("u7", ExperimentType.Uploaded, refO: OldO);
        Assert.StartsWith("Measured against an earlier Original model (aaaaaaaa)", StaleReferences.Check(upload, original, retrained).Reason);
        // Unlearned from another model that came from the old Original (it inherits that model's fingerprint).
        Assert.StartsWith("Built from a model that came from, or measured against, an earlier Original model (aaaaaaaa)",
            StaleReferences.Check(Row("u9", ExperimentType.Unlearned, refO: OldO, baseId: "u6"), original, retrained).Reason);

        // A replaced Retrained model.
        var newRetrained = Row(RetrainedId, ExperimentType.Retrained, sha: NewR);
        var r = StaleReferences.Check(Row("u8", ExperimentType.Unlearned, refO: NewO, refR: OldR), original, newRetrained);
        Assert.True(r.IsStale);
        Assert.Contains("earlier Retrained model (cccccccc)", r.Reason);
        Assert.Contains("now dddddddd", r.Reason);
        Assert.DoesNotContain("Original", r.Reason);

        // A further Retrained seed is stale too (it is measured again with the baselines); the references never are.
        var seed = StaleReferences.Check(Row(RetrainedId + "-seed3", ExperimentType.Retrained, refO: OldO), original, retrained);
        Assert.True(seed.IsStale);
        Assert.Contains("measured again", seed.Reason);
        Assert.False(StaleReferences.Check(Row(RetrainedId, ExperimentType.Retrained, refO: OldO), original, retrained).IsStale);
        Assert.False(StaleReferences.Check(Row(OriginalId, ExperimentType.Original, refR: OldR), original, newRetrained).IsStale);
    }

    [Fact]
    public void Assess_finds_each_rows_references_among_the_rows()
    {
        var rows = new[]
        {
            Row(OriginalId, ExperimentType.Original, sha: NewO), Row(RetrainedId, ExperimentType.Retrained, sha: OldR),
            Row("old", ExperimentType.Unlearned, refO: OldO, refR: OldR), Row("new", ExperimentType.Unlearned, refO: NewO, refR: OldR),
            // Another forget set whose references are not listed: current (nothing to compare with).
            Row("other", ExperimentType.Unlearned, refO: OldO),
        };
        rows[4].ForgetSetId = "class-5";
        var s = StaleReferences.Assess(rows);
        Assert.Equal([false, false, true, false, false], rows.Select(e => s[e.Id].IsStale));
    }

    [Fact]
    public void Stale_runs_are_grouped_apart_and_left_out_of_forgetting_quality_unless_asked()
    {
        var rows = new List<Experiment>
        {
            Row(OriginalId, ExperimentType.Original, sha: NewO), Row(RetrainedId, ExperimentType.Retrained, sha: OldR, seed: 9),
            Row("s1", ExperimentType.Unlearned, refO: OldO, seed: 1, ua: 0.5), Row("s2", ExperimentType.Unlearned, refO: OldO, seed: 2, ua: 0.7),
            Row("c1", ExperimentType.Unlearned, refO: NewO, seed: 1, ua: 0.1), Row("c2", ExperimentType.Unlearned, refO: NewO, seed: 3, ua: 0.2),
        };
        var stale = StaleReferences.Assess(rows);
        var groups = RunGroups.Group(rows, e => stale[e.Id].IsStale);
        var current = groups.Single(g => g.First.Id == "c1");
        var old = groups.Single(g => g.First.Id == "s1");
        Assert.Equal(["c1", "c2"], current.Runs.Select(e => e.Id));
        Assert.Equal(["s1", "s2"], old.Runs.Select(e => e.Id));
        Assert.False(current.IsStale);
        Assert.True(old.IsStale);
        Assert.Equal(current.Key, old.ConfigurationKey);
        Assert.Equal(current.Key + RunGroups.StaleKeySuffix, old.Key);
        // Mean UA of the current runs only: (0.1 + 0.2) / 2 = 0.15 (with the stale ones it would be 1.5 / 4 = 0.375).
        Assert.Equal(0.15, current.UA!.Mean, 12);
        Assert.Equal(0.6, old.UA!.Mean, 12);
        // Asked: one group of four.
        var all = RunGroups.Group(rows).Single(g => g.First.Type == ExperimentType.Unlearned);
        Assert.Equal(0.375, all.UA!.Mean, 12);

        // Forgetting quality scores the current runs; the missing seeds may reuse the stale runs' seeds.
        var plan = ForgettingQualityPlan.For(rows[2], rows, 4);
        Assert.Equal(["c1", "c2"], plan.Unlearned.Select(e => e.Id));
        Assert.Equal([0L, 2L], plan.MissingUnlearnedSeeds);
        Assert.Equal([RetrainedId], plan.Retrained.Select(e => e.Id));
        var asked = ForgettingQualityPlan.For(rows[2], rows, 4, includeStale: true);
        Assert.Equal(["s1", "c1", "s2", "c2"], asked.Unlearned.Select(e => e.Id)); // by seed, ties in the given order
    }

    [Fact]
    public void The_forgetting_quality_service_counts_stale_runs_and_scores_them_only_when_asked()
    {
        var (sp, store, _) = TestStore.New(DataPaths.ResolveDataRoot("data"));
        using var _sp = sp;
        store.Add(Row(OriginalId, ExperimentType.Original, sha: NewO));
        store.Add(Row(RetrainedId, ExperimentType.Retrained, sha: OldR, seed: 9));
        store.Add(Row("5001", ExperimentType.Unlearned, refO: OldO, seed: 1));
        store.Add(Row("5002", ExperimentType.Unlearned, refO: OldO, seed: 2));
        store.Add(Row("c001", ExperimentType.Unlearned, refO: NewO, seed: 1));
        store.Add(Row("c002", ExperimentType.Unlearned, refO: NewO, seed: 3));
        var service = sp.GetRequiredService<ForgettingQualityService>();

        Assert.Equal(2, service.StaleRunsInGroup("c001"));
        Assert.Equal(2, service.Estimate("c001", 4).Plan.Unlearned.Count);
        Assert.Equal(4, service.Estimate("c001", 4, includeStale: true).Plan.Unlearned.Count);
        Assert.Empty(service.Estimate("c001", 4, includeStale: true).Plan.MissingUnlearnedSeeds);

        // The scoring job carries the choice to the worker, which plans with it again.
        var plainJobs = service.Queue("c001", 4);
        // Retrained seeds first (the new runs then measure PS against one), then the two missing runs, then the scoring.
        Assert.Equal([JobKind.Retrain, JobKind.Retrain, JobKind.Retrain, JobKind.Unlearn, JobKind.Unlearn, JobKind.ForgettingQuality], plainJobs.Select(j => j.Kind));
        var plain = plainJobs[^1];
        var asked = service.Queue("c001", 4, includeStale: true)[^1];
        Assert.Equal(JobKind.ForgettingQuality, asked.Kind);
        Assert.False(ForgettingQualityJobs.IncludesStale(plain));
        Assert.True(ForgettingQualityJobs.IncludesStale(asked));
        Assert.Equal(4, ForgettingQualityJobs.GroupSizeOf(asked));
    }

    [Fact]
    public void A_new_Original_sends_the_first_Retrained_row_of_each_set_back_for_evaluation()
    {
        var (sp, store, _) = TestStore.New();
        using (sp)
        {
            var folder = DataPaths.BaselineFolder(store.DataRoot, "fashion-mnist", "compact");
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, "original.pt"), "first original");
            File.WriteAllText(Path.Combine(folder, "retrained-2.pt"), "retrained two");
            new BaselineManifest
            {
                Dataset = "fashion-mnist", Architecture = "compact", Recipe = TrainOptions.CompactDefaults,
                Models = [new BaselineEntry { Kind = "Original", File = "original.pt" }, new BaselineEntry { Kind = "Retrained", ForgetClass = 2, File = "retrained-2.pt", TrainSeconds = 10 }],
            }.Save(folder);
            store.EnsureBaselineRows("fashion-mnist", "compact", 10);
            var retrainedId = ExperimentIds.Retrained("fashion-mnist", "compact", 2);
            foreach (var id in new[] { ExperimentIds.Original("fashion-mnist", "compact", 2), retrainedId })
            {
                var e = store.Get(id)!;
                e.Status = ExperimentStatus.Ready; e.UA = 0.5; e.ResultsPath = "x.json";
                store.Update(e);
            }
            Assert.DoesNotContain(retrainedId, store.EnsureBaselineRows("fashion-mnist", "compact", 10));

            // The Original is replaced; the Retrained file is not.
            File.WriteAllText(Path.Combine(folder, "original.pt"), "second original");
            var pending = store.EnsureBaselineRows("fashion-mnist", "compact", 10);
            var retrained = store.Get(retrainedId)!;
            Assert.Contains(retrainedId, pending);
            Assert.Equal(ExperimentStatus.Pending, retrained.Status);
            Assert.Null(retrained.UA);
            Assert.Null(retrained.ResultsPath);
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("retrained two"u8.ToArray())), retrained.CheckpointSha256);
            Assert.Equal(10, retrained.RT);
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("second original"u8.ToArray())),
                store.Get(ExperimentIds.Original("fashion-mnist", "compact", 2))!.CheckpointSha256);
        }
    }

    [Fact]
    public void The_migration_takes_older_rows_as_measured_against_the_baselines_stored_then()
    {
        var dir = TestData.TempFolder();
        var options = new DbContextOptionsBuilder<UnlearningDbContext>().UseSqlite($"Data Source={Path.Combine(dir, "old.db")}").Options;
        using var db = new UnlearningDbContext(options);
        var migrator = db.GetService<IMigrator>();
        var all = db.Database.GetMigrations().ToList();
        var stale = all.Single(m => m.EndsWith("_StaleReferences", StringComparison.Ordinal));
        migrator.Migrate(all[all.IndexOf(stale) - 1]);
        void Insert(string id, string type, string set, string? sha, string? checkpoint)
        {
            var connection = db.Database.GetDbConnection();
            if (connection.State != System.Data.ConnectionState.Open) connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO "Experiments" ("Id","Dataset","Architecture","ForgetClass","ForgetSetId","Type","HyperparametersJson","CreatedUtc","Status","StageTimesJson","CheckpointPath","CheckpointSha256")
                VALUES ($id,'fashion-mnist','compact',6,$set,$type,'{}','2026-01-01 00:00:00','Ready','{}',$checkpoint,$sha)
                """;
            foreach (var (name, value) in new[] { ("$id", id), ("$set", set), ("$type", type), ("$checkpoint", checkpoint), ("$sha", sha) })
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                parameter.Value = (object?)value ?? DBNull.Value;
                command.Parameters.Add(parameter);
            }
            command.ExecuteNonQuery();
        }
        Insert(OriginalId, "Original", Set, OldO, "baselines/o.pt");
        Insert(RetrainedId, "Retrained", Set, OldR, "baselines/r.pt");
        Insert(RetrainedId + "-seed4", "Retrained", Set, NewR, "a/seed.pt");
        Insert("u1", "Unlearned", Set, null, "u1/model.pt");
        Insert("up1", "Uploaded", Set, null, "up1/model.pt");
        Insert("imp1", "Unlearned", Set, null, null);                 // imported: no checkpoint, measured elsewhere
        Insert("u2", "Unlearned", "class-5", null, "u2/model.pt");    // a set without baselines rows
        migrator.Migrate();
        var rows = db.Experiments.AsNoTracking().ToDictionary(e => e.Id);
        Assert.Equal((OldO, OldR), (rows["u1"].ReferenceOriginalSha256, rows["u1"].ReferenceRetrainedSha256));
        Assert.Equal((OldO, OldR), (rows["up1"].ReferenceOriginalSha256, rows["up1"].ReferenceRetrainedSha256));
        // A further seed is measured against the first Retrained model, not against itself.
        Assert.Equal((OldO, OldR), (rows[RetrainedId + "-seed4"].ReferenceOriginalSha256, rows[RetrainedId + "-seed4"].ReferenceRetrainedSha256));
        foreach (var id in new[] { OriginalId, RetrainedId, "imp1", "u2" })
            Assert.Equal(((string?)null, (string?)null), (rows[id].ReferenceOriginalSha256, rows[id].ReferenceRetrainedSha256));
    }

    [Fact]
    public void The_References_key_is_read_on_import_and_written_on_export()
    {
        var (store, transfer, sp) = ImportFixtures.NewStore();
        using (sp)
        {
            var doc = ImportFixtures.Valid();
            doc["References"] = new JsonObject { ["original"] = NewO.ToUpperInvariant(), ["retrained"] = null, ["stale"] = true, ["staleReason"] = "elsewhere" };
            var e = transfer.Import(ImportFixtures.Body(doc), "fashion-mnist", "compact");
            var back = store.Get(e.Id)!;
            Assert.Equal(NewO, back.ReferenceOriginalSha256);
            Assert.Null(back.ReferenceRetrainedSha256);
            // No baselines on this server: nothing to compare with, so not stale here (the file's "stale" is not kept).
            Assert.False(store.Staleness(back).IsStale);

            var ms = new MemoryStream();
            transfer.Export(e.Id, ms, false);
            var refs = JsonNode.Parse(ms.ToArray())!["References"]!.AsObject();
            Assert.Equal(NewO, refs["original"]!.GetValue<string>());
            Assert.Null(refs["retrained"]);
            Assert.False(refs["stale"]!.GetValue<bool>());
            Assert.Null(refs["staleReason"]);

            // A file without the key gets none back.
            var plain = transfer.Import(ImportFixtures.Body(ImportFixtures.Valid(id: "xsite2")), "fashion-mnist", "compact");
            ms = new MemoryStream();
            transfer.Export(plain.Id, ms, false);
            Assert.Null(JsonNode.Parse(ms.ToArray())!.AsObject()["References"]);
        }
    }

    [Theory]
    [InlineData("[1]", "References must be an object")]
    [InlineData("{\"original\":\"abc\"}", "References.original must be null or a SHA-256")]
    [InlineData("{\"retrained\":5}", "References.retrained must be null or a SHA-256")]
    [InlineData("{\"original\":\"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\"}", "References.original")]
    [InlineData("{\"stale\":\"yes\"}", "References.stale must be true, false or null")]
    [InlineData("{\"staleReason\":7}", "References.staleReason")]
    [InlineData("{\"base\":null}", "References has the key 'base'")]
    public void A_bad_References_key_is_refused_with_the_reason(string json, string reason)
    {
        var (store, transfer, sp) = ImportFixtures.NewStore();
        using (sp)
        {
            var doc = ImportFixtures.Valid();
            doc["References"] = JsonNode.Parse(json);
            var ex = Assert.Throws<InvalidDataException>(() => transfer.Import(ImportFixtures.Body(doc), "fashion-mnist", "compact"));
            Assert.Contains(reason, ex.Message);
            Assert.Empty(store.List());
        }
    }
}
