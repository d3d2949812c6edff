using System.Text.Json;
using Unlearning.Core.Experiments.Jobs;
using Unlearning.Core.Experiments.Results;

namespace Unlearning.Core.Experiments;

/// <summary>What computing a group's forgetting quality still takes (docs/metrics.md, "Forgetting quality").</summary>
/// <param name="EstimatedSeconds">This server's own run times for the missing runs (the mean RT of the side's runs plus their evaluation), null when it has none to go by.</param>
public sealed record ForgettingQualityEstimate(ForgettingQualityPlan Plan, double? EstimatedSeconds);

/// <summary>
/// Plans and queues forgetting-quality evaluations for every host (the table's dialog, <c>/api/forgetting-quality</c>,
/// the <c>benchmark-privacy</c> verb): the missing unlearning seeds and Retrained seeds first, then the scoring job,
/// which runs after them on the one worker.
/// </summary>
public sealed class ForgettingQualityService(ExperimentStore store, JobQueue queue)
{
    /// <summary>Seconds an evaluation adds to a run when the server has no stage times to go by.</summary>
    private const double EvaluationSecondsGuess = 15;

    /// <summary>The plan for the group of <paramref name="experimentId"/> with K models per side.</summary>
    /// <exception cref="KeyNotFoundException">No such experiment.</exception>
    /// <exception cref="ArgumentException">K out of range, or the experiment is not an unlearned run.</exception>
    /// <param name="includeStale">Score stale runs of the group too (docs/results-format.md, "Stale results"); off by default.</param>
    public ForgettingQualityEstimate Estimate(string experimentId, int k, bool includeStale = false)
    {
        var run = store.Get(experimentId) ?? throw new KeyNotFoundException($"Experiment '{experimentId}' does not exist.");
        var plan = ForgettingQualityPlan.For(run, store.List(run.Dataset, run.Architecture, run.ForgetSetId), k, includeStale);
        double? Seconds(IReadOnlyList<Experiment> side, int missing)
        {
            if (missing == 0) return 0;
            var rt = RunGroups.Stats(side.Select(e => e.RT))?.Mean;
            return rt is { } t ? missing * (t + EvaluationSecondsGuess) : null;
        }
        var u = Seconds(plan.Unlearned, plan.MissingUnlearnedSeeds.Length);
        var r = Seconds(plan.Retrained, plan.MissingRetrainedSeeds.Length);
        return new ForgettingQualityEstimate(plan, u is { } a && r is { } b ? a + b : null);
    }

    /// <summary>
    /// Queues the missing Retrained seeds, the missing unlearning runs (same method, base and hyperparameters, new seeds)
    /// and the scoring job; returns every job queued (the scoring job last).
    /// </summary>
    /// <param name="owner">Who asked (docs/lab-identity.md): recorded on every job queued.</param>
    public IReadOnlyList<Job> Queue(string experimentId, int k, bool includeStale = false, string? owner = null)
    {
        var estimate = Estimate(experimentId, k, includeStale);
        var plan = estimate.Plan;
        var run = store.Get(experimentId)!;
        var jobs = new List<Job>();
        var hp = (JsonSerializer.Deserialize<Dictionary<string, double>>(run.HyperparametersJson) ?? [])
            .ToDictionary(kv => kv.Key, kv => new[] { kv.Value });
        // Retrained seeds first: a sample set's unlearned runs measure PS against its Retrained model when they are evaluated,
        // so a set that has none yet gets one before the new runs (docs/metrics.md, "Forgetting quality").
        foreach (var seeds in plan.MissingRetrainedSeeds.Chunk(JobQueue.MaxSeeds))
            jobs.AddRange(queue.Enqueue(new JobRequest
            {
                Kind = JobKind.Retrain, Dataset = run.Dataset, Architecture = run.Architecture, ForgetSet = run.ForgetSetId, Seeds = seeds, Owner = owner,
            }));
        foreach (var seeds in plan.MissingUnlearnedSeeds.Chunk(JobQueue.MaxSeeds))
            jobs.AddRange(queue.Enqueue(new JobRequest
            {
                Kind = JobKind.Unlearn, Dataset = run.Dataset, Architecture = run.Architecture, ForgetSet = run.ForgetSetId,
                Method = run.Method, BaseExperimentId = run.BaseId, Hyperparameters = hp, Seeds = seeds, Owner = owner,
            }));
        jobs.AddRange(queue.Enqueue(new JobRequest
        {
            Kind = JobKind.ForgettingQuality, Dataset = run.Dataset, Architecture = run.Architecture, ForgetSet = run.ForgetSetId,
            BaseExperimentId = run.Id, GroupSize = k, IncludeStale = includeStale, Owner = owner,
        }));
        return jobs;
    }

    /// <summary>
    /// How many Ready runs of <paramref name="experimentId"/>'s group are stale (measured against replaced references): the
    /// runs that "include stale" would add to the scoring.
    /// </summary>
    public int StaleRunsInGroup(string experimentId)
    {
        var run = store.Get(experimentId) ?? throw new KeyNotFoundException($"Experiment '{experimentId}' does not exist.");
        var rows = store.List(run.Dataset, run.Architecture, run.ForgetSetId);
        int k = ForgettingQualityPlan.MaxK;
        return ForgettingQualityPlan.For(run, rows, k, includeStale: true).Unlearned.Count - ForgettingQualityPlan.For(run, rows, k).Unlearned.Count;
    }

    /// <summary>The forget set's results, newest first.</summary>
    public IReadOnlyList<ForgettingQualityRecord> List(string dataset, string architecture, string forgetSetId) =>
        store.ListForgettingQuality(dataset, architecture, forgetSetId);

    /// <summary>The newest result per group key of the forget set.</summary>
    public IReadOnlyDictionary<string, ForgettingQualityRecord> LatestByGroup(string dataset, string architecture, string forgetSetId) =>
        List(dataset, architecture, forgetSetId).GroupBy(r => r.GroupKey).ToDictionary(g => g.Key, g => g.First());

    /// <summary>The newest result of a group (its configuration key names the dataset, architecture and forget set), or null.</summary>
    public ForgettingQualityRecord? Latest(string groupKey) => store.LatestForgettingQuality(groupKey);

    public ForgettingQualityRecord? Get(long id) => store.GetForgettingQuality(id);

    /// <summary>
    /// The per-example file of a result, or null when it is missing, unreadable or does not fit the result
    /// (<see cref="ForgettingQualityDetails.IsConsistentWith"/>); a view shows the summary then.
    /// </summary>
    public ForgettingQualityDetails? Details(ForgettingQualityRecord record)
    {
        if (record.DetailsPath is null) return null;
        try
        {
            var path = store.Artifacts.Resolve(record.DetailsPath);
            if (!File.Exists(path)) return null;
            var d = JsonSerializer.Deserialize<ForgettingQualityDetails>(File.ReadAllText(path));
            return d is not null && d.IsConsistentWith(record.K) ? d : null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
