using Unlearning.Core.Data;
using Unlearning.Core.Evaluation.Depth;
using Unlearning.Core.Models;
using TorchSharp;
using Unlearning.Core.Training;
using static TorchSharp.torch;

namespace Unlearning.Core.Experiments.Jobs;

/// <summary>
/// The Depth job (docs/metrics.md, "Depth of forgetting"): the relearning attack and linear probes of one experiment,
/// stored as its <c>depth.json</c>. The forget set's Original and Retrained model are the reference curves, so their
/// results are computed first when missing (the Original's UA is the relearning threshold's base). Runs on the queue's
/// worker; progress and cancellation as every job.
/// </summary>
public sealed class DepthJob(ExperimentStore store, DatasetLoader datasets, Device device)
{
    /// <summary>
    /// The experiment a depth request names (the forget set's Original when none is named), checked when the job is queued:
    /// it must exist, belong to the request's dataset, architecture and forget set, and have a checkpoint.
    /// </summary>
    public static string CheckTarget(ExperimentStore store, DatasetInfo info, ArchitectureInfo arch, ForgetScenario scenario, string? experimentId)
    {
        var id = experimentId ?? ExperimentIds.Original(info.Id, arch.Id, scenario.Id);
        var e = store.Get(id) ?? throw new KeyNotFoundException($"Experiment '{id}' does not exist.");
        if (e.Dataset != info.Id || e.Architecture != arch.Id || e.ForgetSetId != scenario.Id)
            throw new ArgumentException($"Experiment '{id}' is a {e.Dataset}/{e.Architecture} model of forget set '{e.ForgetSetId}', not {info.Id}/{arch.Id}/'{scenario.Id}'.");
        if (e.CheckpointPath is null) throw new ArgumentException($"Experiment '{id}' has no checkpoint (imported results cannot be measured).");
        return id;
    }

    /// <summary>Computes what is missing of the Original, the Retrained model and the job's experiment; returns the experiment's id.</summary>
    public string Run(Job job, DatasetInfo info, ArchitectureInfo arch, TensorData train, Action<JobProgressUpdate> report, CancellationToken ct)
    {
        var targetId = job.BaseExperimentId ?? throw new ArgumentException("A depth job needs an experiment.");
        var target = store.Get(targetId) ?? throw new KeyNotFoundException($"Experiment '{targetId}' does not exist.");
        var split = ForgetSplit.Create(datasets.Load(info), store.Scenario(info, target.ForgetSetId));
        var originalId = ExperimentIds.Original(info.Id, arch.Id, target.ForgetSetId);
        var retrainedId = ExperimentIds.Retrained(info.Id, arch.Id, target.ForgetSetId);
        // The references first (when they lack results), then the target itself (always: the request asks for fresh numbers).
        var todo = new List<Experiment>();
        foreach (var id in new[] { originalId, retrainedId })
            if (id != targetId && store.Get(id) is { CheckpointPath: not null } reference && DepthDocument.TryLoad(store.Artifacts, id) is null)
                todo.Add(reference);
        todo.Add(target);
        for (int i = 0; i < todo.Count; i++)
        {
            var e = todo[i];
            double from = (double)i / todo.Count, to = (double)(i + 1) / todo.Count;
            string what = e.Id == originalId ? "Original" : e.Id == retrainedId ? "Retrained" : e.Id;
            report(new JobProgressUpdate(JobStep.Depth, $"Depth of {what}", from, from));
            double? originalUA = e.Id == originalId ? null : DepthDocument.TryLoad(store.Artifacts, originalId)?.Relearning.UA[0];
            using var model = arch.Create(info);
            Checkpoint.Load(model, store.ResolveCheckpoint(e));
            model.to(device);
            var progress = new CallbackProgress<DepthProgress>(p =>
                report(new JobProgressUpdate(JobStep.Depth, $"{p.Stage} ({what})", from + (to - from) * p.Fraction, from + (to - from) * p.Fraction)));
            var results = DepthEvaluation.Run(model, train, split, new DepthOptions(), originalUA, progress, ct);
            ct.ThrowIfCancellationRequested();
            DepthDocument.Save(store.Artifacts, e.Id, results);
        }
        return targetId;
    }
}
