using Unlearning.Core.Data;
using Unlearning.Core.Models;

namespace Unlearning.Core.Experiments.Jobs;

/// <summary>
/// Baseline preparation in one place: the Original/Retrained rows of every shipped or trained baseline, with the
/// SHA-256 fingerprints of their checkpoints (<see cref="ExperimentStore.EnsureBaselineRows"/>), and the decision
/// whether a forget class's baselines still need an evaluation job. Hashing reads whole checkpoint files, so this
/// runs at start-up (<see cref="JobQueue.Start"/>) and on the job worker, never on a request or UI thread.
/// </summary>
public sealed class BaselinePreparation(ExperimentStore store)
{
    /// <summary>Rows and fingerprints of every dataset × architecture; returns the ids that still need evaluation.</summary>
    public IReadOnlyList<string> EnsureAllRows() =>
        [.. DatasetCatalog.All.SelectMany(d => ModelCatalog.All.SelectMany(a => EnsureRows(d, a)))];

    /// <summary>Rows and fingerprints of one dataset and architecture; returns the ids that still need evaluation.</summary>
    public IReadOnlyList<string> EnsureRows(DatasetInfo info, ArchitectureInfo arch) => store.EnsureBaselineRows(info.Id, arch.Id, info.NumClasses);

    /// <summary>
    /// True when a baseline row of the forget set exists and is not evaluated yet, or a sample set has no Original row
    /// yet (made on the worker): a database read, no hashing.
    /// </summary>
    public bool NeedsEvaluation(string dataset, string architecture, string forgetSetId)
    {
        var rows = store.List(dataset, architecture, forgetSetId);
        if (rows.Any(e => e.IsBaseline && e.Status == ExperimentStatus.Pending)) return true;
        return !ForgetSets.TryParseClassId(forgetSetId, out _) && !rows.Any(e => e.Type == ExperimentType.Original)
            && store.GetForgetSet(dataset, forgetSetId) is not null && store.Exists(ExperimentIds.Original(dataset, architecture, 0));
    }
}
