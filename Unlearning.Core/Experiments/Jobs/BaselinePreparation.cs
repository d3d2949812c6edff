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

    /// <summary>True when a baseline row of the forget class exists and is not evaluated yet (a database read, no hashing).</summary>
    public bool NeedsEvaluation(string dataset, string architecture, int forgetClass) =>
        store.List(dataset, architecture, forgetClass).Any(e => e.IsBaseline && e.Status == ExperimentStatus.Pending);
}
