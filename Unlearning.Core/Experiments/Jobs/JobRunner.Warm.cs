using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Unlearning.Core.Data;
using Unlearning.Core.Evaluation;
using Unlearning.Core.Models;

namespace Unlearning.Core.Experiments.Jobs;

public sealed partial class JobRunner
{
    /// <summary>
    /// Warms this runner's reference Gram cache for one forget set (docs/architecture.md, "Caches"): the Original and the
    /// Retrained model, when their rows are evaluated and their checkpoints exist, get their U-centred Gram matrices of
    /// every CKA batch computed and cached, as the first evaluation against them would. Unknown ids, missing baselines
    /// and references already cached do nothing.
    /// </summary>
    public void WarmReferences(string dataset, string architecture, string forgetSetId, CancellationToken cancellation) =>
        WarmReferenceBatches(dataset, architecture, forgetSetId, cancellation);

    /// <summary><see cref="WarmReferences"/>, returning the CKA batches whose Gram matrices it computed.</summary>
    public int WarmReferenceBatches(string dataset, string architecture, string forgetSetId, CancellationToken cancellation = default)
    {
        if (DatasetCatalog.TryGet(dataset) is not { } info || ModelCatalog.TryGet(architecture) is not { } arch) return 0;
        var references = new[] { ExperimentIds.Original(info.Id, arch.Id, forgetSetId), ExperimentIds.Retrained(info.Id, arch.Id, forgetSetId) }
            .Select(store.Get)
            .Where(e => e is { Status: ExperimentStatus.Ready, CheckpointPath: not null } && File.Exists(store.ResolveCheckpoint(e)))
            .Select(e => e!)
            .ToList();
        if (references.Count == 0) return 0;
        var clock = Stopwatch.StartNew();
        var split = ForgetSplit.Create(datasets.Load(info), store.Scenario(info, forgetSetId));
        var evaluator = new Evaluator { GramCache = _gramCache };
        // Usually the baselines' own evaluation filled the cache already: then neither the tensors nor the models are loaded.
        references.RemoveAll(e => evaluator.HoldsReferenceGrams(CacheKey(e), split));
        if (references.Count == 0) return 0;
        var (train, test) = Data(info);
        int computed = 0;
        foreach (var e in references)
        {
            using var scope = TorchSharp.torch.NewDisposeScope();
            using var model = LoadModel(info, arch, store.ResolveCheckpoint(e));
            computed += evaluator.WarmReferenceGrams(model, CacheKey(e), train, test, split, cancellation);
        }
        if (computed > 0)
            logger.LogInformation("Reference Gram matrices of {ForgetSet} ({Dataset}, {Architecture}) warmed: {Batches} batches in {Seconds:F1}s",
                forgetSetId, info.Id, arch.Id, computed, clock.Elapsed.TotalSeconds);
        Caching.NativeHeap.Trim();
        return computed;
    }
}
