using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Unlearning.Core;
using Unlearning.Core.Data;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Jobs;
using Unlearning.Core.Experiments.Results;

namespace Unlearning.Web.Cli;

/// <param name="AppFolder">Its own app folder (database, artifacts): runs and Retrained seeds accumulate there between calls.</param>
/// <param name="ForgetSet">class-{c}, or a random set "random:{percent}:{seed}" (stratified), drawn as the app draws it.</param>
public sealed record PrivacyBenchmarkSettings(string DataRoot, string AppFolder, string Dataset, string Architecture, string ForgetSet, int K,
    IReadOnlyList<string> Methods, bool Depth, string Device, int? Threads);

/// <summary>
/// <c>benchmark-privacy</c>: forgetting quality (and optionally depth) of the built-in methods on one forget set
/// (docs/metrics.md, "Forgetting quality"), through the app's own job queue in this process: a first run of each
/// method with its defaults where none exists, the missing seeds and Retrained models, the scoring, then one table.
/// </summary>
public static class PrivacyBenchmark
{
    public static readonly string[] DefaultMethods = ["FineTuning", "GradientAscent", "RandomLabeling", "SCRUB", "SalUn"];

    public static int Run(PrivacyBenchmarkSettings s, TextWriter log, CancellationToken cancellation)
    {
        if (ForgettingQualityPlan.GroupSizeProblem(s.K) is { } problem) throw new ArgumentException(problem);
        var info = DatasetCatalog.TryGet(s.Dataset) ?? throw new ArgumentException($"Unknown dataset '{s.Dataset}'.");
        var services = new ServiceCollection()
            .AddLogging(b => b.SetMinimumLevel(LogLevel.Warning))
            .AddUnlearningCore(new UnlearningOptions { DataRoot = s.DataRoot, AppFolder = Path.GetFullPath(s.AppFolder), Device = s.Device, Threads = s.Threads });
        using var sp = services.BuildServiceProvider();
        var store = sp.GetRequiredService<ExperimentStore>();
        store.Migrate();
        var catalog = sp.GetRequiredService<Unlearning.Core.Methods.MethodCatalog>();
        foreach (var m in s.Methods) _ = catalog.TryGet(m) ?? throw new ArgumentException($"Unknown method '{m}'. Known: {string.Join(", ", catalog.All.Select(x => x.Name))}.");
        var setId = ResolveSet(sp.GetRequiredService<ForgetSetService>(), info, s.ForgetSet);
        var queue = sp.GetRequiredService<JobQueue>();
        var service = sp.GetRequiredService<ForgettingQualityService>();
        queue.Start();
        log.WriteLine($"benchmark-privacy: {info.DisplayName}, {s.Architecture}, forget set {setId}, K = {s.K}, app folder {Path.GetFullPath(s.AppFolder)}");

        // A fresh app folder holds the shipped baselines as Pending rows: evaluate them first, so that a class set's shipped
        // Retrained model counts as the set's Retrained model below (and is not trained again as seed 0).
        if (queue.RequestBaselineEvaluation(info.Id, s.Architecture, setId) is { } evaluation)
        {
            log.WriteLine("Evaluating the forget set's baselines first.");
            Wait(store, [evaluation], log, cancellation);
        }

        // PS is measured against the set's Retrained model at evaluation time: a sample set has none until one is trained, so
        // train it before the first run of any method (otherwise those runs keep PS "-").
        if (!store.List(info.Id, s.Architecture, setId).Any(e => e.Type == ExperimentType.Retrained && e.Status == ExperimentStatus.Ready))
        {
            log.WriteLine("No Retrained model of this forget set yet: training one first, so that every run's PS can be measured against it.");
            Wait(store, queue.Enqueue(new JobRequest { Kind = JobKind.Retrain, Dataset = info.Id, Architecture = s.Architecture, ForgetSet = setId, Seeds = [0] }), log, cancellation);
        }

        var rows = new List<string[]>();
        foreach (var method in s.Methods)
        {
            cancellation.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            var first = store.List(info.Id, s.Architecture, setId)
                .Where(e => e.Type == ExperimentType.Unlearned && e.Method == method && e.Status == ExperimentStatus.Ready && e.CheckpointPath is not null)
                .OrderBy(e => e.CreatedUtc).FirstOrDefault();
            if (first is null)
            {
                var job = queue.Enqueue(new JobRequest { Dataset = info.Id, Architecture = s.Architecture, ForgetSet = setId, Method = method, Seed = 0 })[0];
                Wait(store, [job], log, cancellation);
                first = store.Get(store.GetJob(job.Id)!.ResultExperimentId!)!;
            }
            var jobs = service.Queue(first.Id, s.K).ToList();
            if (s.Depth) jobs.AddRange(queue.Enqueue(new JobRequest { Kind = JobKind.Depth, Dataset = info.Id, Architecture = s.Architecture, ForgetSet = setId, BaseExperimentId = first.Id }));
            log.WriteLine($"{method}: {jobs.Count} job(s) queued");
            Wait(store, jobs, log, cancellation);
            var record = service.Latest(RunGroups.ConfigurationKey(first))
                ?? throw new InvalidOperationException($"The scoring job of {method} stored no result.");
            var group = store.List(info.Id, s.Architecture, setId).Where(e => RunGroups.ConfigurationKey(e) == record.GroupKey).ToList();
            string Mean(Func<Experiment, double?> f, string format) => RunGroups.Stats(group.Select(f)) is { } st
                ? st.Mean.ToString(format, CultureInfo.InvariantCulture) + (st.Std is { } sd ? "±" + sd.ToString(format, CultureInfo.InvariantCulture) : "") : "-";
            var depth = s.Depth ? DepthDocument.TryLoad(store.Artifacts, first.Id) : null;
            rows.Add([method, record.K.ToString(CultureInfo.InvariantCulture), F(record.F), record.CeilingF is { } c ? F(c) : "-", F(record.Score),
                Mean(e => e.UA, "0.000"), Mean(e => e.PS, "0.000"), Mean(e => e.MIA, "0.000"), Mean(e => e.RetainMia, "0.000"), Mean(e => e.RT, "0.0"),
                depth is null ? "-" : depth.Relearning.StepsToHalfReference?.ToString(CultureInfo.InvariantCulture) ?? $">{depth.Relearning.Steps[^1]}",
                record.Seconds.ToString("0.0", CultureInfo.InvariantCulture), clock.Elapsed.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)]);
        }
        queue.Dispose();
        string[] header = ["method", "K", "F", "ceiling", "score", "UA", "PS", "MIA", "MIA-R", "RT s", "relearn steps", "FQ s", "wall s"];
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Select(r => r[i].Length).DefaultIfEmpty(0).Max())).ToArray();
        log.WriteLine(string.Join("  ", header.Select((h, i) => h.PadLeft(widths[i]))));
        foreach (var r in rows) log.WriteLine(string.Join("  ", r.Select((v, i) => v.PadLeft(widths[i]))));
        log.WriteLine("F: forgetting quality (1 = indistinguishable from retraining); ceiling: Retrained vs Retrained; UA/PS/MIA/MIA-R/RT: mean±std over the group's runs; relearn steps: to the Original's UA/2 (first run).");
        var ranking = rows.OrderByDescending(r => double.Parse(r[2], CultureInfo.InvariantCulture)).Select(r => r[0]);
        static double? Ps(string[] r) => double.TryParse(r[6].Split('±')[0], CultureInfo.InvariantCulture, out var v) ? v : null;
        var byPs = rows.Where(r => Ps(r) is not null).OrderByDescending(r => Ps(r)).Select(r => r[0]);
        var noPs = rows.Where(r => Ps(r) is null).Select(r => r[0]).ToList();
        log.WriteLine($"ranking by F: {string.Join(" > ", ranking)}");
        log.WriteLine($"ranking by PS: {string.Join(" > ", byPs)}{(noPs.Count > 0 ? $" (no PS: {string.Join(", ", noPs)})" : "")}");
        return 0;
    }

    private static string F(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);

    /// <summary>class-{c}, or random:{percent}:{seed} drawn and stored in the benchmark's app folder.</summary>
    internal static string ResolveSet(ForgetSetService sets, DatasetInfo info, string text)
    {
        if (ForgetSets.TryParseClassId(text, out var c))
            return c < info.NumClasses ? text : throw new ArgumentException($"Class {c} is out of range: {info.DisplayName} has classes 0..{info.NumClasses - 1}.");
        var parts = text.Split(':');
        if (parts is ["random", var p, var seed] && double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var percent)
            && long.TryParse(seed, NumberStyles.Integer, CultureInfo.InvariantCulture, out var sd))
            return sets.Create(info, new ForgetSetRequest { Kind = ForgetSetKind.Random, Percent = percent, Seed = sd }).Id;
        throw new ArgumentException($"Forget set '{text}': give class-{{c}} or random:{{percent}}:{{seed}}.");
    }

    private static void Wait(ExperimentStore store, IReadOnlyList<Job> jobs, TextWriter log, CancellationToken cancellation)
    {
        foreach (var job in jobs)
        {
            Job j;
            while ((j = store.GetJob(job.Id)!).Status is JobStatus.Queued or JobStatus.Running)
            {
                cancellation.ThrowIfCancellationRequested();
                Thread.Sleep(1000);
            }
            if (j.Status != JobStatus.Succeeded)
                throw new InvalidOperationException($"Job {j.Id} ({j.Kind} {j.Method}) {j.Status}: {j.Error}");
            log.WriteLine($"  job {j.Id} {j.Kind} {j.Method} seed {j.Seed}: done");
        }
    }
}
