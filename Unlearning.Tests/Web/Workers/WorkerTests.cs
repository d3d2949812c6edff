using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Jobs;

namespace Unlearning.Tests.Web.Workers;

/// <summary>
/// Jobs executed by Hangfire (docs/lab-workers.md): the single-process SQLite default, and the lab set-up — PostgreSQL,
/// a web host with no workers of its own and two <c>worker</c> processes — with one worker killed in the middle of a job.
/// </summary>
[Collection("Torch")]
public sealed class WorkerTests : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    public void Dispose()
    {
        for (int i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
    }

    [Fact]
    public async Task The_single_process_default_runs_a_job_through_hangfire_on_sqlite()
    {
        var data = TinyFashionMnist.Create(6);
        var app = Own(new AppHost(kestrel: false, new Dictionary<string, string> { ["Unlearning:DataRoot"] = data, ["Unlearning:Threads"] = "1" }));
        var ids = await EnqueueAsync(app.Client, new { method = "FineTuning", forgetClass = 6, hyperparameters = new { epochs = 1, retain_fraction = 0.5 } });
        var job = await WaitForEndAsync(app.Client, ids[0], TimeSpan.FromMinutes(5));
        Assert.True(job.GetProperty("status").GetString() == "Succeeded", job.ToString());

        Assert.True(File.Exists(Path.Combine(app.AppFolder, "hangfire.db")));
        var monitoring = app.Factory.Services.GetRequiredService<HangfireStorage>().Storage.GetMonitoringApi();
        Assert.True(monitoring.SucceededListCount() >= 1, "Hangfire recorded no succeeded job");
        var row = app.Factory.Services.GetRequiredService<ExperimentStore>().GetJob(ids[0])!;
        Assert.Equal(1, row.Attempts);
        Assert.Null(row.WorkerId);
        Assert.Null(row.LeaseUntilUtc);
        Assert.NotNull(app.Factory.Services.GetRequiredService<ExperimentStore>().Get(row.ResultExperimentId!));
    }

    [PostgresFact]
    public async Task Two_workers_on_postgres_finish_four_jobs_exactly_once_when_one_is_killed_mid_job_and_cancel_reaches_a_worker()
    {
        var data = TinyFashionMnist.Create(6);
        var pg = Own(PostgresCluster.Start());
        var shared = TestData.TempFolder();
        var settings = new Dictionary<string, string>
        {
            ["Unlearning:DataRoot"] = data, ["Unlearning:SharedFolder"] = shared, ["Unlearning:Threads"] = "1",
            ["Unlearning:Database:Provider"] = "postgres", ["Unlearning:Database:ConnectionString"] = pg.ConnectionString(),
            ["Unlearning:Workers:LocalWorkers"] = "0", ["Unlearning:Workers:LeaseSeconds"] = "10", ["Unlearning:Workers:InvisibilitySeconds"] = "60",
        };
        var app = Own(new AppHost(kestrel: false, settings));
        var env = settings.Where(kv => kv.Key.StartsWith("Unlearning:Database", StringComparison.Ordinal) || kv.Key.StartsWith("Unlearning:Workers:L", StringComparison.Ordinal)
                                       || kv.Key.StartsWith("Unlearning:Workers:I", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key.Replace(":", "__"), kv => kv.Value);
        WorkerProcess StartWorker() => Own(new WorkerProcess(
            ["--queues", "default", "--data", data, "--app", TestData.TempFolder(), "--shared-folder", shared, "--device", "cpu", "--threads", "1"], env));
        var workers = new[] { StartWorker(), StartWorker() };
        try
        {
            // The baselines are evaluated once first, so that the four jobs do only their own work.
            var evaluate = await EnqueueAsync(app.Client, new { kind = "evaluate", forgetClass = 6 });
            var evaluated = await WaitForEndAsync(app.Client, evaluate[0], TimeSpan.FromMinutes(4));
            Assert.True(evaluated.GetProperty("status").GetString() == "Succeeded", evaluated + Logs(workers, pg));

            var ids = await EnqueueAsync(app.Client, new { method = "FineTuning", forgetClass = 6, seed = new[] { 1, 2, 3, 4 }, hyperparameters = new { epochs = 2 } });
            Assert.Equal(4, ids.Length);

            // Live progress through the web host's API (it runs nothing itself), then kill the worker of a job before it
            // stores its experiment (the row is added at the end of the Analyze step, at progress 1).
            bool sawProgress = false;
            long killedJob = 0;
            var deadline = DateTime.UtcNow.AddMinutes(4);
            while (killedJob == 0)
            {
                if (DateTime.UtcNow > deadline) Assert.Fail("No job of the first worker was seen running." + Logs(workers, pg));
                foreach (var j in (await app.Client.GetFromJsonAsync<JsonElement>("/api/jobs")).EnumerateArray())
                    if (j.GetProperty("status").GetString() == "Running" && j.GetProperty("progress").GetDouble() > 0) sawProgress = true;
                foreach (var (id, workerId, progress) in Running(pg))
                {
                    var pid = int.Parse(workerId.Split(':')[1]);
                    if (progress is > 0.02 and < 0.7 && workers[0].Id == pid && sawProgress)
                    {
                        workers[0].Kill();
                        killedJob = id;
                        break;
                    }
                }
                await Task.Delay(200);
            }

            var finals = new List<JsonElement>();
            foreach (var id in ids) finals.Add(await WaitForEndAsync(app.Client, id, TimeSpan.FromMinutes(5)));
            Assert.All(finals, f => Assert.True(f.GetProperty("status").GetString() == "Succeeded", f + Logs(workers, pg)));
            Assert.True(sawProgress);

            using var db = new NpgsqlConnection(pg.ConnectionString());
            db.Open();
            // Exactly once: one experiment per job, four distinct results, the killed job ran twice (its second attempt on the other worker).
            var perJob = Query(db, $"SELECT \"JobId\", COUNT(*) FROM \"Experiments\" WHERE \"JobId\" IN ({string.Join(',', ids)}) GROUP BY \"JobId\"",
                r => (r.GetInt64(0), r.GetInt64(1)));
            Assert.Equal(4, perJob.Count);
            Assert.All(perJob, p => Assert.Equal(1, p.Item2));
            var attempts = Query(db, $"SELECT \"Id\", \"Attempts\" FROM \"Jobs\" WHERE \"Id\" IN ({string.Join(',', ids)})", r => (r.GetInt64(0), r.GetInt32(1)))
                .ToDictionary(x => x.Item1, x => x.Item2);
            Assert.Equal(2, attempts[killedJob]);
            Assert.All(ids.Where(i => i != killedJob), i => Assert.Equal(1, attempts[i]));
            Assert.Equal(4, finals.Select(f => f.GetProperty("resultExperimentId").GetString()).Distinct().Count());

            // Every artifact present; nothing half-written left: no folder without its row, no temporary file.
            var rows = Query(db, "SELECT \"Id\", \"CheckpointPath\", \"ResultsPath\" FROM \"Experiments\"", r => (r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2)));
            var artifacts = new ArtifactStore(shared);
            foreach (var f in finals)
            {
                var row = rows.Single(r => r.Item1 == f.GetProperty("resultExperimentId").GetString());
                Assert.True(File.Exists(artifacts.Resolve(row.Item2!)), $"checkpoint of {row.Item1}");
                Assert.True(File.Exists(artifacts.Resolve(row.Item3!)), $"results of {row.Item1}");
            }
            var folders = Directory.GetParent(artifacts.FolderOf("abcd"))!;
            var orphans = folders.Exists ? folders.EnumerateDirectories().Select(d => d.Name).Where(n => rows.All(r => r.Item1 != n)).ToList() : [];
            Assert.True(orphans.Count == 0, "folders without a row: " + string.Join(", ", orphans));
            Assert.Empty(Directory.EnumerateFiles(shared, "*.tmp-*", SearchOption.AllDirectories));

            // Cancel reaches the job on the remaining worker through the database.
            var longJob = (await EnqueueAsync(app.Client, new { method = "FineTuning", forgetClass = 6, hyperparameters = new { epochs = 200, retain_fraction = 1 } }))[0];
            deadline = DateTime.UtcNow.AddMinutes(3);
            while (!Running(pg).Any(r => r.Id == longJob && r.Progress > 0.06))
            {
                if (DateTime.UtcNow > deadline) Assert.Fail("The long job did not start." + Logs(workers, pg));
                await Task.Delay(200);
            }
            var reserved = Query(db, $"SELECT \"ReservedExperimentId\" FROM \"Jobs\" WHERE \"Id\" = {longJob}", r => r.GetString(0)).Single();
            Assert.Equal(System.Net.HttpStatusCode.Accepted, (await app.Client.PostAsync($"/api/jobs/{longJob}/cancel", null)).StatusCode);
            var cancelled = await WaitForEndAsync(app.Client, longJob, TimeSpan.FromMinutes(1));
            Assert.Equal("Cancelled", cancelled.GetProperty("status").GetString());
            Assert.False(Directory.Exists(artifacts.FolderOf(reserved)));
            Assert.False(workers[1].HasExited, "the remaining worker stopped" + Logs(workers, pg));
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException(e.Message + Logs(workers, pg), e);
        }
    }

    private T Own<T>(T d) where T : IDisposable { _owned.Add(d); return d; }

    private static string Logs(WorkerProcess[] workers, PostgresCluster pg) =>
        string.Concat(workers.Select((w, i) => $"\n--- worker {i} ---\n{Tail(w.Log)}")) + $"\n--- postgres ---\n{Tail(pg.ServerLog)}";

    private static string Tail(string s) => s.Length > 4000 ? s[^4000..] : s;

    private static List<(long Id, string WorkerId, double Progress)> Running(PostgresCluster pg)
    {
        using var db = new NpgsqlConnection(pg.ConnectionString());
        db.Open();
        return Query(db, "SELECT \"Id\", \"WorkerId\", \"Progress\" FROM \"Jobs\" WHERE \"Status\" = 'Running' AND \"WorkerId\" IS NOT NULL",
            r => (r.GetInt64(0), r.GetString(1), r.GetDouble(2)));
    }

    private static List<T> Query<T>(NpgsqlConnection db, string sql, Func<NpgsqlDataReader, T> read)
    {
        using var cmd = new NpgsqlCommand(sql, db);
        using var r = cmd.ExecuteReader();
        var list = new List<T>();
        while (r.Read()) list.Add(read(r));
        return list;
    }

    private static async Task<long[]> EnqueueAsync(HttpClient client, object body)
    {
        var r = await client.PostAsJsonAsync("/api/jobs", body);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.IsSuccessStatusCode, text);
        return [.. JsonDocument.Parse(text).RootElement.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("id").GetInt64())];
    }

    private static async Task<JsonElement> WaitForEndAsync(HttpClient client, long id, TimeSpan timeout)
    {
        var end = DateTime.UtcNow + timeout;
        while (true)
        {
            var job = await client.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}");
            if (job.GetProperty("status").GetString() is "Succeeded" or "Failed" or "Cancelled") return job;
            if (DateTime.UtcNow > end) throw new TimeoutException($"Job {id} did not end in {timeout}: {job}");
            await Task.Delay(250);
        }
    }
}
