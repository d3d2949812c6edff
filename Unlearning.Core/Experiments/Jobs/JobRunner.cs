using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using TorchSharp;
using Unlearning.Core.Data;
using Unlearning.Core.Evaluation;
using Unlearning.Core.Methods;
using Unlearning.Core.Models;
using Unlearning.Core.Training;
using static TorchSharp.torch;

namespace Unlearning.Core.Experiments.Jobs;

/// <summary>Live progress of the running job (what the queue panel shows).</summary>
/// <param name="Step">The step the job is in (<see cref="JobPipeline.Steps"/> lists a kind's steps).</param>
/// <param name="Stage">What it does now in words, e.g. "Computing Fisher Information".</param>
/// <param name="StepProgress">Part of the step done, 0..1.</param>
/// <param name="Progress">Part of the whole job done, 0..1.</param>
/// <param name="EtaSeconds">Seconds left in the step, when the step can tell (the queue estimates it otherwise).</param>
public sealed record JobProgressUpdate(JobStep Step, string Stage, double StepProgress, double Progress, int? Epoch = null, int? TotalEpochs = null,
    double? EtaSeconds = null, double? ForgetAccuracy = null, double? RetainAccuracy = null);

/// <summary>What the job queue's worker needs of a runner (tests give the queue a fake one).</summary>
public interface IJobRunner
{
    /// <summary>The device the runner's tensors live on (shown with the job).</summary>
    Device Device { get; }

    /// <summary>Runs the job; returns the id of the experiment it produced.</summary>
    string Run(Job job, Action<JobProgressUpdate> report, CancellationToken cancellation);

    /// <summary>
    /// Computes and caches the reference Gram matrices of a forget set's Original and Retrained model ahead of the next
    /// evaluation (docs/architecture.md, "Caches"); does nothing where the runner keeps no cache.
    /// </summary>
    void WarmReferences(string dataset, string architecture, string forgetSetId, CancellationToken cancellation) { }
}

/// <summary>
/// Executes one job on the worker thread: builds or loads the model, runs the method or trainer, evaluates
/// and stores the experiment. Everything that touches tensors happens here, on one thread, in dispose scopes.
/// Files are written under the reserved experiment id; the database row is added last, so a job that fails
/// or is cancelled leaves no experiment behind.
/// </summary>
public sealed partial class JobRunner(ExperimentStore store, DatasetLoader datasets, MethodCatalog methods, Device device, ILogger logger,
    long gramCacheBytes = Evaluation.Cka.ReferenceGramCache.DefaultCapacityBytes) : IJobRunner
{
    /// <summary>Rows, fingerprints and pending evaluations of the baselines, prepared here on the worker.</summary>
    private readonly BaselinePreparation _baselines = new(store);

    private (string Key, TensorData Train, TensorData Test)? _data;

    /// <summary>Reference Gram matrices for CKA, shared by consecutive evaluations of one forget class.</summary>
    private readonly Evaluation.Cka.ReferenceGramCache _gramCache = new(gramCacheBytes, logger);

    public Device Device { get; } = device;

    /// <summary>Evaluation stages that belong to the Evaluate step; the later ones are the Analyze step.</summary>
    private const int EvaluateStages = 2;

    /// <summary>Runs the job; returns the id of the experiment it produced.</summary>
    public string Run(Job job, Action<JobProgressUpdate> report, CancellationToken cancellation)
    {
        var info = DatasetCatalog.Get(job.Dataset);
        var arch = ModelCatalog.Get(job.Architecture);
        var (train, test) = Data(info);
        return job.Kind switch
        {
            JobKind.Unlearn => RunUnlearn(job, info, arch, train, test, report, cancellation),
            JobKind.Upload => RunUpload(job, info, arch, train, test, report, cancellation),
            JobKind.Evaluate => EnsureBaselinesEvaluated(info, arch, job.ForgetSetId, train, test, report, cancellation, 0, 1, partOf: null)
                                ?? throw new InvalidOperationException($"No baseline models exist for {info.DisplayName} / {arch.DisplayName}; train them first."),
            JobKind.TrainOriginal or JobKind.Retrain => RunTrainBaseline(job, info, arch, train, test, report, cancellation),
            JobKind.ForgettingQuality => RunForgettingQuality(job, info, arch, train, report, cancellation),
            JobKind.Depth => new DepthJob(store, datasets, Device).Run(job, info, arch, train, report, cancellation),
            _ => throw new NotSupportedException($"Job kind {job.Kind} is not supported."),
        };
    }

    private (TensorData Train, TensorData Test) Data(DatasetInfo info)
    {
        var key = info.Id + "@" + Device;
        if (_data is { } d && d.Key == key) return (d.Train, d.Test);
        _data?.Train.Dispose();
        _data?.Test.Dispose();
        var splits = datasets.Load(info);
        var loaded = (key, new TensorData(splits.Train, Device), new TensorData(splits.Test, Device));
        _data = loaded;
        return (loaded.Item2, loaded.Item3);
    }

    private Classifier LoadModel(DatasetInfo info, ArchitectureInfo arch, string checkpoint)
    {
        var model = arch.Create(info);
        Checkpoint.Load(model, checkpoint);
        model.to(Device);
        model.eval();
        return model;
    }

    private string RunUnlearn(Job job, DatasetInfo info, ArchitectureInfo arch, TensorData train, TensorData test, Action<JobProgressUpdate> report, CancellationToken ct)
    {
        var method = methods.Get(job.Method ?? throw new ArgumentException("An unlearning job needs a method."));
        var hp = HyperparameterValidation.Validate(method, JobOptions.Hyperparameters(job.HyperparametersJson));
        var setId = job.ForgetSetId;
        var scenario = store.Scenario(info, setId);
        if (method.ClassWiseOnly && !scenario.IsClassWise)
            throw new ArgumentException($"{method.DisplayName} forgets whole classes only; '{scenario.Name}' is a sample forget set.");
        EnsureBaselinesEvaluated(info, arch, setId, train, test, report, ct, 0, 0.05, partOf: JobStep.Unlearn);

        var baseExp = store.Get(job.BaseExperimentId ?? ExperimentIds.Original(info.Id, arch.Id, setId))
            ?? throw new KeyNotFoundException($"Base experiment '{job.BaseExperimentId ?? ExperimentIds.Original(info.Id, arch.Id, setId)}' does not exist.");
        var split = ForgetSplit.Create(datasets.Load(info), scenario);
        var id = job.ReservedExperimentId!;
        Trainer.Seed(job.Seed);
        using var model = LoadModel(info, arch, store.ResolveCheckpoint(baseExp));
        // Per-epoch metrics (docs/metrics.md, "Per-epoch metrics"): only when the job asks; PS against the set's Retrained model.
        EpochMetricsTracker? tracker = null;
        if (job.TracksEpochMetrics())
        {
            var retrained = store.Get(ExperimentIds.Retrained(info.Id, arch.Id, setId)) is { Status: ExperimentStatus.Ready } r ? LoadResults(r) : null;
            tracker = new EpochMetricsTracker(train, test, split, retrained?.ForgetEntropy, retrained?.ForgetConfidence, job.Seed);
        }
        var context = new UnlearningContext(model, () => arch.Create(info), train, test, split, Device, job.Seed, hp) { EpochObserver = tracker };
        var progress = new CallbackProgress<UnlearningProgress>(p => report(new JobProgressUpdate(
            JobStep.Unlearn, p.Stage, p.Fraction, 0.05 + 0.5 * p.Fraction, p.Epoch, p.TotalEpochs, p.Eta?.TotalSeconds,
            p.ForgetAccuracy, p.RetainAccuracy)));
        var result = method.Run(context, progress, ct);
        ct.ThrowIfCancellationRequested();

        var checkpoint = store.Artifacts.CheckpointPath(id);
        Checkpoint.Save(model, checkpoint);
        var experiment = new Experiment
        {
            Id = id, Dataset = info.Id, Architecture = arch.Id, ForgetClass = scenario.ForgetClass, ForgetSetId = setId, Type = ExperimentType.Unlearned,
            BaseId = baseExp.Id, Method = method.Name, HyperparametersJson = JsonSerializer.Serialize(hp),
            Epochs = hp.TryGetValue(HyperparameterSpec.EpochsName, out var e) ? (int)e : null,
            BatchSize = hp.TryGetValue(HyperparameterSpec.BatchSizeName, out var b) ? (int)b : null,
            LearningRate = hp.TryGetValue(HyperparameterSpec.LearningRateName, out var lr) ? lr : null,
            Seed = job.Seed, RT = Math.Round(result.RunTimeSeconds, 1), CreatedUtc = DateTime.UtcNow,
            CheckpointPath = store.Artifacts.Relative(checkpoint), JobId = job.Id, Owner = job.Owner,
        };
        // A model unlearned from another stored model comes from the Original that one came from: when that was an earlier
        // Original, this one is stale too (docs/results-format.md, "Stale results").
        var builtFrom = baseExp.Type != ExperimentType.Original ? baseExp.ReferenceOriginalSha256 : null;
        EvaluateAndStore(experiment, model, info, arch, train, test, report, ct, 0.55, 1.0, epochMetrics: tracker?.Metrics is { Count: > 0 } m ? m : null,
            originalShaOverride: builtFrom);
        return id;
    }

    private string RunUpload(Job job, DatasetInfo info, ArchitectureInfo arch, TensorData train, TensorData test, Action<JobProgressUpdate> report, CancellationToken ct)
    {
        // The checkpoint is checked first, so that a refused file fails the job (and is deleted) at once, not after the baselines' evaluation.
        var id = job.ReservedExperimentId!;
        var upload = store.Artifacts.Resolve(job.UploadPath ?? throw new ArgumentException("An upload job needs its file."));
        report(new JobProgressUpdate(JobStep.Load, "Loading checkpoint", 0, 0));
        using var model = LoadModel(info, arch, upload);
        var setId = job.ForgetSetId;
        EnsureBaselinesEvaluated(info, arch, setId, train, test, report, ct, 0, 0.1, partOf: JobStep.Load);
        var checkpoint = store.Artifacts.CheckpointPath(id);
        Checkpoint.Save(model, checkpoint);
        var experiment = new Experiment
        {
            Id = id, Dataset = info.Id, Architecture = arch.Id, ForgetClass = job.ForgetClass, ForgetSetId = setId, Type = ExperimentType.Uploaded,
            Method = "Custom", Seed = job.Seed, CreatedUtc = DateTime.UtcNow, CheckpointPath = store.Artifacts.Relative(checkpoint), JobId = job.Id, Owner = job.Owner,
        };
        EvaluateAndStore(experiment, model, info, arch, train, test, report, ct, 0.15, 1.0);
        if (File.Exists(upload)) File.Delete(upload);
        return id;
    }

    private string RunTrainBaseline(Job job, DatasetInfo info, ArchitectureInfo arch, TensorData train, TensorData test, Action<JobProgressUpdate> report, CancellationToken ct)
    {
        var hp = JobOptions.Hyperparameters(job.HyperparametersJson);
        var recipe = arch.DefaultRecipe(info).WithOverrides(hp, job.Seed);
        var setId = job.ForgetSetId;
        var progress = new CallbackProgress<TrainProgress>(p =>
        {
            double done = ((p.Epoch - 1) + (double)p.Batch / p.TotalBatches) / p.TotalEpochs;
            report(new JobProgressUpdate(JobStep.Train, "Training", done, 0.9 * done, p.Epoch, p.TotalEpochs, p.Eta?.TotalSeconds, null, p.Accuracy));
        });
        if (job.Kind == JobKind.Retrain)
        {
            var scenario = store.Scenario(info, setId);
            var primary = store.Get(ExperimentIds.Retrained(info.Id, arch.Id, setId));
            // A class set's first Retrained model (or a retrain with its seed) stays a baseline file; every other Retrained
            // model (sample sets, further seeds) is an experiment of its own (docs/forget-sets.md, "Baselines").
            if (!scenario.IsClassWise || (primary is not null && primary.Seed != job.Seed))
                return RunTrainRetrainedExperiment(job, info, arch, scenario, primary, recipe, train, test, progress, report, ct);
        }
        int? fc = job.Kind == JobKind.Retrain ? job.ForgetClass : null;
        var folder = store.TrainedBaselineFolder(info.Id, arch.Id);
        var (model, entry) = BaselineTrainer.TrainOne(datasets.Load(info), arch, recipe, fc, Device, progress, ct);
        using (model)
        {
            ct.ThrowIfCancellationRequested();
            Checkpoint.Save(model, Path.Combine(folder, entry.File));
        }
        var manifest = BaselineManifest.TryLoad(folder) ?? new BaselineManifest { Dataset = info.Id, Architecture = arch.Id, Recipe = recipe };
        manifest.Upsert(entry, folder);
        // The new model backs its rows from now on (also where a shipped baseline existed) and replaces their evaluations.
        _baselines.EnsureRows(info, arch);
        var stored = Path.Combine(folder, entry.File);
        var primaryRetrained = fc is null ? null : ExperimentIds.Retrained(info.Id, arch.Id, setId);
        foreach (var row in store.List(info.Id, arch.Id).Where(x => fc is null ? x.Type == ExperimentType.Original : x.Id == primaryRetrained))
            store.RebindBaseline(row.Id, stored, recipe, recipe.Seed, fc is null ? null : entry.TrainSeconds);
        var evaluated = EnsureBaselinesEvaluated(info, arch, setId, train, test, report, ct, 0.9, 1.0, partOf: null);
        return fc is null ? ExperimentIds.Original(info.Id, arch.Id, setId) : evaluated ?? ExperimentIds.Retrained(info.Id, arch.Id, setId);
    }

    /// <summary>
    /// A Retrained model that is an experiment of its own: the first one of a sample set (<c>a00s-…</c>) or a further
    /// seed of any set (<c>…-seed{n}</c>). Trained on the set's retain samples, saved in its experiment folder, then
    /// evaluated: the first one as the set's reference, a further seed against that reference like any other model.
    /// </summary>
    private string RunTrainRetrainedExperiment(Job job, DatasetInfo info, ArchitectureInfo arch, ForgetScenario scenario, Experiment? primary,
        TrainOptions recipe, TensorData train, TensorData test, IProgress<TrainProgress> progress, Action<JobProgressUpdate> report, CancellationToken ct)
    {
        bool isPrimary = primary is null || primary.Seed == job.Seed;
        var id = isPrimary ? ExperimentIds.Retrained(info.Id, arch.Id, scenario.Id) : ExperimentIds.RetrainedSeed(info.Id, arch.Id, scenario.Id, job.Seed);
        var splits = datasets.Load(info);
        var split = ForgetSplit.Create(splits, scenario);
        var (model, entry) = BaselineTrainer.TrainOn(splits, arch, recipe, split.Retain, Device, progress, ct);
        using (model)
        {
            ct.ThrowIfCancellationRequested();
            var checkpoint = store.Artifacts.CheckpointPath(id);
            Checkpoint.Save(model, checkpoint);
            var experiment = store.Get(id) ?? new Experiment
            {
                Id = id, Dataset = info.Id, Architecture = arch.Id, ForgetClass = scenario.ForgetClass, ForgetSetId = scenario.Id,
                Type = ExperimentType.Retrained, Method = "Retrain", CreatedUtc = DateTime.UnixEpoch.AddSeconds(1), JobId = job.Id, Owner = job.Owner,
            };
            experiment.Epochs = recipe.Epochs;
            experiment.BatchSize = recipe.BatchSize;
            experiment.LearningRate = recipe.LearningRate;
            experiment.Seed = job.Seed;
            experiment.RT = entry.TrainSeconds;
            experiment.CheckpointPath = store.Artifacts.Relative(checkpoint);
            experiment.CheckpointSha256 = ExperimentStore.CheckpointFingerprint(checkpoint);
            ExperimentStore.ClearEvaluation(experiment);
            if (isPrimary)
            {
                if (store.Exists(id)) store.Update(experiment); else store.Add(experiment);
                // The set's Original was compared against the Retrained model being replaced: measure it again.
                if (primary is not null && store.Exists(ExperimentIds.Original(info.Id, arch.Id, scenario.Id)))
                    store.ClearEvaluation(ExperimentIds.Original(info.Id, arch.Id, scenario.Id));
                return EnsureBaselinesEvaluated(info, arch, scenario.Id, train, test, report, ct, 0.9, 1.0, partOf: null) ?? id;
            }
            EnsureBaselinesEvaluated(info, arch, scenario.Id, train, test, report, ct, 0.9, 0.93, partOf: null);
            model.eval();
            EvaluateAndStore(experiment, model, info, arch, train, test, report, ct, 0.93, 1.0, asReference: false);
            return id;
        }
    }

    /// <summary>
    /// Makes sure the Original and Retrained rows of a forget set exist and are evaluated
    /// (Original first without privacy data, then the Retrained model aligned to it, then the Original's
    /// privacy curves and CKA against the Retrained model are completed). Returns the Retrained id, or the
    /// Original id when there is no Retrained model, or null when neither exists.
    /// </summary>
    /// <param name="partOf">When the evaluation is preparation for another step (an unlearning or upload job), that step:
    /// progress is reported as that step with the stage "Evaluating baselines"; null reports Evaluate/Analyze as they run.</param>
    /// <param name="forgetSetId">The forget set: <c>class-{c}</c> or a stored sample set (docs/forget-sets.md).</param>
    public string? EnsureBaselinesEvaluated(DatasetInfo info, ArchitectureInfo arch, string forgetSetId, TensorData train, TensorData test,
        Action<JobProgressUpdate> report, CancellationToken ct, double from, double to, JobStep? partOf)
    {
        if (partOf is { } step)
        {
            var outer = report;
            report = u => outer(u with { Step = step, Stage = "Evaluating baselines", StepProgress = to > from ? (u.Progress - from) / (to - from) : 0, EtaSeconds = null });
        }
        _baselines.EnsureRows(info, arch);
        var original = store.Get(ExperimentIds.Original(info.Id, arch.Id, forgetSetId));
        var retrained = store.Get(ExperimentIds.Retrained(info.Id, arch.Id, forgetSetId));
        if (original is null) return null;
        double mid = retrained is null ? to : (from + to) / 2;
        if (original.Status != ExperimentStatus.Ready)
        {
            using var model = LoadModel(info, arch, store.ResolveCheckpoint(original));
            EvaluateAndStore(original, model, info, arch, train, test, report, ct, from, mid, isOriginal: true);
            original = store.Get(original.Id)!;
        }
        if (retrained is null) return original.Id;
        if (retrained.Status != ExperimentStatus.Ready)
        {
            using var model = LoadModel(info, arch, store.ResolveCheckpoint(retrained));
            EvaluateAndStore(retrained, model, info, arch, train, test, report, ct, mid, to);
            retrained = store.Get(retrained.Id)!;
        }
        CompleteOriginalAgainstRetrained(original, retrained);
        MeasureStaleRetrainedSeedsAgain(info, arch, forgetSetId, original, retrained, train, test, report, ct, to);
        return retrained.Id;
    }

    /// <summary>
    /// Further Retrained seeds of the forget set that were measured against a replaced Original or first Retrained model
    /// (<see cref="StaleReferences"/>) are evaluated again: their models do not depend on the references, so measuring
    /// them again is all it takes to make them current.
    /// </summary>
    private void MeasureStaleRetrainedSeedsAgain(DatasetInfo info, ArchitectureInfo arch, string forgetSetId, Experiment original, Experiment retrained,
        TensorData train, TensorData test, Action<JobProgressUpdate> report, CancellationToken ct, double at)
    {
        var stale = store.List(info.Id, arch.Id, forgetSetId)
            .Where(e => e.Type == ExperimentType.Retrained && e.Id != retrained.Id && e.Status == ExperimentStatus.Ready && e.CheckpointPath is not null
                        && StaleReferences.Check(e, original, retrained).IsStale)
            .ToList();
        foreach (var seed in stale)
        {
            ct.ThrowIfCancellationRequested();
            var path = store.ResolveCheckpoint(seed);
            if (!File.Exists(path)) continue;
            logger.LogInformation("Measuring Retrained seed {Id} again: its references were replaced.", seed.Id);
            using var model = LoadModel(info, arch, path);
            EvaluateAndStore(seed, model, info, arch, train, test, report, ct, at, at, asReference: false);
        }
    }

    /// <summary>
    /// The Original is evaluated before the Retrained model exists in the store; once it does, the Original's
    /// subset attack curves and PS are computed from the stored signals, and its CKA against the Retrained
    /// model is the transpose of the Retrained model's CKA against the Original (HSIC is symmetric).
    /// </summary>
    /// <summary>A reference model's identity for the Gram cache: its row (dataset, architecture, forget class) and checkpoint version.</summary>
    private string CacheKey(Experiment e)
    {
        var path = store.ResolveCheckpoint(e);
        return $"{e.Id}@{path}@{(File.Exists(path) ? File.GetLastWriteTimeUtc(path).Ticks : 0)}";
    }

    private void CompleteOriginalAgainstRetrained(Experiment original, Experiment retrained)
    {
        var o = LoadResults(original);
        var r = LoadResults(retrained);
        if (o is null || r is null || (o.Attack?.Results.Count > 0 && o.CkaRetrain is not null && original.PS is not null)) return;
        original.PS = OriginalCompletion.Complete(o, r) ?? original.PS;
        SaveResults(original.Id, o);
        store.Update(original);
    }

    private ExperimentResults? LoadResults(Experiment e) => ResultsDocument.Load(store.Artifacts, e);

    private string SaveResults(string id, ExperimentResults results) => ResultsDocument.Save(store.Artifacts, id, results);

    /// <summary>Runs the evaluation pipeline, writes the results document and features, and adds or updates the row.</summary>
    /// <param name="asReference">False for a further Retrained seed: it is evaluated against the set's first Retrained model like any other model.</param>
    /// <param name="epochMetrics">The run's per-epoch metrics, stored with the results; null when the job did not track them.</param>
    private void EvaluateAndStore(Experiment experiment, Classifier model, DatasetInfo info, ArchitectureInfo arch, TensorData train, TensorData test,
        Action<JobProgressUpdate> report, CancellationToken ct, double from, double to, bool isOriginal = false, bool asReference = true,
        EpochMetrics? epochMetrics = null, string? originalShaOverride = null)
    {
        var clock = Stopwatch.StartNew();
        var splits = datasets.Load(info);
        var setId = experiment.ForgetSetId;
        var scenario = store.Scenario(info, setId);
        var split = ForgetSplit.Create(splits, scenario);
        var subset = FixedSubset.Select(splits.Train.Labels, info.NumClasses);
        if (!scenario.IsClassWise) subset = FixedSubset.WithForgetSamples(subset, split.Forget);
        bool isRetrained = experiment.Type == ExperimentType.Retrained && asReference;
        var originalExp = isOriginal ? null : store.Get(ExperimentIds.Original(info.Id, arch.Id, setId));
        var retrainedExp = isRetrained ? null : store.Get(ExperimentIds.Retrained(info.Id, arch.Id, setId));
        using var scope = NewDisposeScope();
        var originalModel = isOriginal ? model : originalExp is null ? null : LoadModel(info, arch, store.ResolveCheckpoint(originalExp));
        var retrainedModel = retrainedExp is null || isRetrained ? null : LoadModel(info, arch, store.ResolveCheckpoint(retrainedExp));
        try
        {
            var input = new EvaluationInput(model, train, test, split, subset, originalModel, retrainedModel,
                retrainedExp is { Status: ExperimentStatus.Ready } ? LoadResults(retrainedExp) : null,
                originalExp is { Status: ExperimentStatus.Ready } ? LoadResults(originalExp) : null,
                isRetrained,
                OriginalCacheKey: originalExp is null ? null : CacheKey(originalExp),
                RetrainedCacheKey: retrainedExp is null ? null : CacheKey(retrainedExp),
                OwnCacheKey: isOriginal || isRetrained ? CacheKey(experiment) : null);
            // The first two evaluation stages (accuracy, per-sample outputs) are the Evaluate step, the rest Analyze.
            var progress = new CallbackProgress<EvaluationProgress>(p =>
            {
                bool evaluate = p.StageIndex < EvaluateStages;
                double stepDone = evaluate ? (p.StageIndex + p.Fraction) / EvaluateStages
                    : (p.StageIndex - EvaluateStages + p.Fraction) / Math.Max(1, p.StageCount - EvaluateStages);
                report(new JobProgressUpdate(evaluate ? JobStep.Evaluate : JobStep.Analyze, evaluate ? "Evaluate" : "Analyze", stepDone,
                    from + (to - from) * (p.StageIndex + p.Fraction) / p.StageCount));
            });
            var output = new Evaluator { GramCache = _gramCache }.Evaluate(input, progress, ct);
            ct.ThrowIfCancellationRequested();
            output.Results.EpochMetrics = epochMetrics;

            var resultsPath = SaveResults(experiment.Id, output.Results);
            ResultsDocument.SaveFeatures(store.Artifacts, experiment.Id, output.Features);
            experiment.UA = output.UA;
            experiment.RA = output.RA;
            experiment.TUA = output.TUA;
            experiment.TRA = output.TRA;
            experiment.PS = output.PS;
            experiment.MIA = output.Results.ForgetTestMia;
            experiment.RetainMia = output.Results.RetainTestMia;
            experiment.ResultsPath = store.Artifacts.Relative(resultsPath);
            experiment.StageTimesJson = JsonSerializer.Serialize(output.Results.StageSeconds);
            // The references this row was measured against (docs/results-format.md, "Stale results").
            experiment.ReferenceOriginalSha256 = isOriginal ? null : originalShaOverride ?? originalExp?.CheckpointSha256;
            experiment.ReferenceRetrainedSha256 = isRetrained ? null : retrainedExp?.CheckpointSha256;
            experiment.Status = ExperimentStatus.Ready;
            if (store.Exists(experiment.Id)) store.Update(experiment);
            else store.Add(experiment);
            logger.LogInformation("Evaluated {Id} in {Seconds:F1}s: UA {UA:F3} RA {RA:F3} TUA {TUA:F3} TRA {TRA:F3} PS {PS}",
                experiment.Id, clock.Elapsed.TotalSeconds, output.UA, output.RA, output.TUA, output.TRA, output.PS);
        }
        finally
        {
            if (!isOriginal) originalModel?.Dispose();
            retrainedModel?.Dispose();
        }
    }
}
