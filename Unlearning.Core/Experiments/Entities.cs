namespace Unlearning.Core.Experiments;

/// <summary>What produced an experiment's model (docs/results-format.md, "Keys", Type).</summary>
public enum ExperimentType { Original, Retrained, Unlearned, Uploaded }

/// <summary>
/// One model and its evaluation (docs/results-format.md, "Storage"). Scalars live in columns so that the table can sort and filter in
/// SQL; the large per-experiment results (distributions, CKA, points, attack data) live in a JSON document
/// in the artifacts folder.
/// </summary>
public sealed class Experiment
{
    /// <summary>Short id shown in the table: baselines use the original's scheme (<c>000{fc}</c>, <c>a00{fc}</c>), others 4 hex chars.</summary>
    public required string Id { get; set; }
    public required string Dataset { get; set; }
    public required string Architecture { get; set; }
    /// <summary>
    /// The class of the forget set: the forgotten class of a class set, the class of a sub-class set, −1 for a random or
    /// uploaded sample set and for an upload evaluated without a forget set.
    /// </summary>
    public int ForgetClass { get; set; }
    /// <summary>
    /// The forget set (the scenario) this model belongs to (docs/forget-sets.md): <c>class-{c}</c> for forgetting class c,
    /// otherwise the id of a stored <see cref="ForgetSet"/>; empty only for an upload evaluated without a forget set.
    /// </summary>
    [System.ComponentModel.DataAnnotations.MaxLength(40)]
    public string ForgetSetId { get; set; } = "";
    public ExperimentType Type { get; set; }
    /// <summary>Id of the base experiment whose model was unlearned; null for baselines and uploads.</summary>
    public string? BaseId { get; set; }
    /// <summary>Stored method name (FineTuning, GradientAscent, RandomLabeling, SCRUB, SalUn, Retrain, Custom, plug-in names); null for Original.</summary>
    public string? Method { get; set; }
    /// <summary>All hyperparameters as JSON object {name: value}.</summary>
    public string HyperparametersJson { get; set; } = "{}";
    public int? Epochs { get; set; }
    public int? BatchSize { get; set; }
    public double? LearningRate { get; set; }
    public long? Seed { get; set; }
    /// <summary>Unlearning accuracy = train accuracy on the forget class (lower = more forgetting).</summary>
    public double? UA { get; set; }
    /// <summary>Retain accuracy = macro mean of train accuracy over the other classes.</summary>
    public double? RA { get; set; }
    /// <summary>Test unlearning accuracy = test accuracy on the forget class.</summary>
    public double? TUA { get; set; }
    /// <summary>Test retain accuracy = macro mean of test accuracy over the other classes.</summary>
    public double? TRA { get; set; }
    /// <summary>Run time of the unlearning loop in seconds.</summary>
    public double? RT { get; set; }
    /// <summary>Worst-case privacy score (stored as "FQS" in the original's JSON).</summary>
    public double? PS { get; set; }
    /// <summary>MIA against the test set: AUC telling the forget samples from test samples by confidence (0.5 = indistinguishable; docs/metrics.md).</summary>
    public double? MIA { get; set; }
    /// <summary>ROC AUC of top-1 confidence, retain train samples vs test samples outside the forget set (docs/metrics.md, "Privacy of retained data").</summary>
    public double? RetainMia { get; set; }
    public DateTime CreatedUtc { get; set; }
    /// <summary>Ready once the evaluation is stored; baselines shipped without evaluation are Pending until evaluated.</summary>
    public ExperimentStatus Status { get; set; }
    /// <summary>Seconds per evaluation stage as JSON {stage: seconds}.</summary>
    public string StageTimesJson { get; set; } = "{}";
    /// <summary>Checkpoint path relative to the app folder (or absolute for shipped baselines).</summary>
    public string? CheckpointPath { get; set; }
    /// <summary>
    /// Baselines: SHA-256 (hex) of the checkpoint file the row was made from. When the shipped file changes (new
    /// baselines in an update), the row goes back to Pending and is evaluated again instead of showing the old model's numbers.
    /// </summary>
    [System.ComponentModel.DataAnnotations.MaxLength(64)]
    public string? CheckpointSha256 { get; set; }
    /// <summary>
    /// Models measured against the references (unlearned, uploaded and imported models, further Retrained seeds): SHA-256
    /// (hex) of the Original checkpoint this row's results were measured against, or the one it was built from
    /// (docs/results-format.md, "Stale results"). Null when unknown: rows from before references were recorded that had no
    /// fingerprinted Original, imported files without the key. Compared with the Original row's
    /// <see cref="CheckpointSha256"/> by <see cref="StaleReferences"/>.
    /// </summary>
    [System.ComponentModel.DataAnnotations.MaxLength(64)]
    public string? ReferenceOriginalSha256 { get; set; }
    /// <summary>The same for the forget set's (first) Retrained model; null also when the set had none when this row was measured.</summary>
    [System.ComponentModel.DataAnnotations.MaxLength(64)]
    public string? ReferenceRetrainedSha256 { get; set; }
    /// <summary>Results document path relative to the app folder; null until evaluated.</summary>
    public string? ResultsPath { get; set; }
    /// <summary>Id of the job that produced this experiment.</summary>
    public long? JobId { get; set; }
    /// <summary>The user's free-text tags/notes on the row (docs/views.md, "Screening table"); null when none.</summary>
    [System.ComponentModel.DataAnnotations.MaxLength(ExperimentStore.MaxNotesLength)]
    public string? Notes { get; set; }
    /// <summary>
    /// User name of who built or imported this experiment (docs/lab-identity.md); null for baselines and for rows made
    /// before owners were recorded, and "local" in local mode.
    /// </summary>
    [System.ComponentModel.DataAnnotations.MaxLength(Job.MaxOwnerLength)]
    public string? Owner { get; set; }

    public bool IsBaseline => Type is ExperimentType.Original or ExperimentType.Retrained;
}

public enum ExperimentStatus { Pending, Ready, Failed }

/// <summary>
/// A stored sample forget set (docs/forget-sets.md): random samples, samples of one class, or an uploaded index list.
/// Class forget sets (<c>class-{c}</c>) are implied by the dataset and are not stored. The id is derived from the
/// dataset and the indexes, so the same draw has the same id on every server.
/// </summary>
public sealed class ForgetSet
{
    [System.ComponentModel.DataAnnotations.MaxLength(40)]
    public required string Id { get; set; }
    public required string Dataset { get; set; }
    public Data.ForgetSetKind Kind { get; set; }
    /// <summary>Sub-class sets: the class drawn from; null otherwise.</summary>
    public int? Class { get; set; }
    /// <summary>The number of requested samples, or null when a percentage was requested.</summary>
    public int? Count { get; set; }
    public double? Percent { get; set; }
    public long? Seed { get; set; }
    public bool Stratified { get; set; }
    /// <summary>Readable name shown on the tab, e.g. "random 10 % · seed 1".</summary>
    [System.ComponentModel.DataAnnotations.MaxLength(120)]
    public required string Name { get; set; }
    /// <summary>Number of forget samples.</summary>
    public int Size { get; set; }
    /// <summary>The train indexes, ascending, comma-separated.</summary>
    public required string Indexes { get; set; }
    public DateTime CreatedUtc { get; set; }
}

/// <summary>
/// A forgetting-quality evaluation of one group of unlearned runs against the forget set's Retrained models
/// (docs/metrics.md, "Forgetting quality"). The per-example detail lives in <see cref="DetailsPath"/>.
/// </summary>
public sealed class ForgettingQualityRecord
{
    public long Id { get; set; }
    public required string Dataset { get; set; }
    public required string Architecture { get; set; }
    [System.ComponentModel.DataAnnotations.MaxLength(40)]
    public required string ForgetSetId { get; set; }
    /// <summary>The group's configuration key (<see cref="Results.RunGroups.ConfigurationKey"/>).</summary>
    public required string GroupKey { get; set; }
    public string? Method { get; set; }
    /// <summary>Models per side.</summary>
    public int K { get; set; }
    /// <summary>Forgetting quality F, 0..1.</summary>
    public double F { get; set; }
    /// <summary>F × (RA / RA_R) × (TA / TA_R): the challenge's final score.</summary>
    public double Score { get; set; }
    public double RetainRatio { get; set; }
    public double TestRatio { get; set; }
    /// <summary>F of Retrained models against other Retrained models (the best a method can hope for); null when too few.</summary>
    public double? CeilingF { get; set; }
    /// <summary>Models per side of <see cref="CeilingF"/>.</summary>
    public int? CeilingK { get; set; }
    /// <summary>The unlearned runs' ids (JSON array), in the order of their statistics.</summary>
    public string UnlearnedIdsJson { get; set; } = "[]";
    /// <summary>The Retrained models' ids (JSON array).</summary>
    public string RetrainedIdsJson { get; set; } = "[]";
    public double Seconds { get; set; }
    /// <summary>The per-example results file, relative to the app folder.</summary>
    public string? DetailsPath { get; set; }
    public DateTime CreatedUtc { get; set; }
}

/// <summary>What a job does; stored as text. <see cref="Depth"/>: relearning attack and linear probes of an existing experiment (docs/metrics.md, "Depth of forgetting"); <see cref="ForgettingQuality"/>: scoring a run group (docs/metrics.md, "Forgetting quality").</summary>
public enum JobKind { TrainOriginal, Retrain, Unlearn, Upload, Evaluate, Depth, ForgettingQuality }

public enum JobStatus { Queued, Running, Succeeded, Failed, Cancelled }

/// <summary>
/// The step a job is in, as the job runner reports it (the build panel's stepper shows it as told). Which steps a
/// job has depends on its kind: <see cref="Jobs.JobPipeline.Steps"/>. Stored as a number: append, never reorder.
/// </summary>
public enum JobStep
{
    /// <summary>Waiting for the worker.</summary>
    Queued = 0,
    /// <summary>Upload jobs: reading and checking the uploaded checkpoint.</summary>
    Load = 1,
    /// <summary>Training an Original or Retrained model.</summary>
    Train = 2,
    /// <summary>Running the unlearning method (with its preparation: missing baseline evaluations, Fisher, saliency).</summary>
    Unlearn = 3,
    /// <summary>Accuracy and per-sample outputs on the train and test sets.</summary>
    Evaluate = 4,
    /// <summary>Embeddings, attack curves, privacy score and layer similarity.</summary>
    Analyze = 5,
    /// <summary>Depth jobs: relearning attack and linear probes of a model and, where missing, of its references.</summary>
    Depth = 6,
}

/// <summary>A unit of queued work (docs/views.md, "Job queue and progress"), persisted so that every browser and a restart see it.</summary>
public sealed class Job
{
    public long Id { get; set; }
    public JobKind Kind { get; set; }
    public required string Dataset { get; set; }
    public required string Architecture { get; set; }
    /// <summary>The forget set's class (−1 for sample sets); see <see cref="Experiment.ForgetClass"/>.</summary>
    public int ForgetClass { get; set; }
    /// <summary>The forget set the job works on (see <see cref="Experiment.ForgetSetId"/>).</summary>
    [System.ComponentModel.DataAnnotations.MaxLength(40)]
    public string ForgetSetId { get; set; } = "";
    public string? Method { get; set; }
    public string? BaseExperimentId { get; set; }
    public string HyperparametersJson { get; set; } = "{}";
    public long Seed { get; set; }
    /// <summary>Uploaded checkpoint file (relative to the app folder) for Upload jobs.</summary>
    public string? UploadPath { get; set; }
    /// <summary>Grid request this job belongs to (jobs expanded from one build share it).</summary>
    public string? GroupId { get; set; }
    public JobStatus Status { get; set; }
    /// <summary>What the job is doing now in words, e.g. "Computing Fisher Information" (finer than <see cref="Step"/>).</summary>
    public string Stage { get; set; } = "Queued";
    /// <summary>The step the job is in, reported by the job runner.</summary>
    public JobStep Step { get; set; }
    /// <summary>Part of <see cref="Step"/> done, 0..1.</summary>
    public double StepProgress { get; set; }
    /// <summary>Overall progress 0..1 across all steps.</summary>
    public double Progress { get; set; }
    public int? Epoch { get; set; }
    public int? TotalEpochs { get; set; }
    /// <summary>Estimated seconds left in <see cref="Step"/>.</summary>
    public double? EtaSeconds { get; set; }
    public double? ForgetAccuracy { get; set; }
    public double? RetainAccuracy { get; set; }
    public string? Error { get; set; }
    public string? ResultExperimentId { get; set; }
    /// <summary>Experiment id reserved when the job starts (files are written under it); removed on failure.</summary>
    public string? ReservedExperimentId { get; set; }
    public DateTime CreatedUtc { get; set; }
    public DateTime? StartedUtc { get; set; }
    public DateTime? FinishedUtc { get; set; }
    public string? Device { get; set; }
    /// <summary>User name of who queued the job (docs/lab-identity.md); null for jobs queued before owners were recorded.</summary>
    [System.ComponentModel.DataAnnotations.MaxLength(MaxOwnerLength)]
    public string? Owner { get; set; }

    /// <summary>Longest stored owner name (Identity's user names are at most 256 characters).</summary>
    public const int MaxOwnerLength = 256;

    /// <summary>The Hangfire queue the job was put on (docs/lab-workers.md, "Queues").</summary>
    public string Queue { get; set; } = "default";
    /// <summary>Times a worker has started the job (docs/lab-workers.md, "Failure semantics").</summary>
    public int Attempts { get; set; }
    /// <summary>Set by a cancel while the job runs on a worker (maybe another process); the worker stops within seconds.</summary>
    public bool CancelRequested { get; set; }
    /// <summary>The worker that holds the running job (machine:process:id).</summary>
    public string? WorkerId { get; set; }
    /// <summary>Until when the running job's worker holds it; renewed every second; past it another process re-queues the job.</summary>
    public DateTime? LeaseUntilUtc { get; set; }
    /// <summary>A new random value on every write of the row: how another process sees that a job changed.</summary>
    public long ChangeStamp { get; set; }

    public const int MaxWorkerIdLength = 200;

    /// <summary>A shallow copy: the snapshot handed to subscribers while the worker keeps updating the original.</summary>
    public Job Snapshot() => (Job)MemberwiseClone();
}
