using Unlearning.Core.Methods;

namespace Unlearning.Core.Experiments.Jobs;

/// <summary>
/// A build request (the build dialog, <c>POST /api/jobs</c>). Hyperparameters map a name to one value or to a list
/// of up to <see cref="HyperparameterSpec.MaxGridValues"/> values; <see cref="MethodOptionsParser.Expand"/> checks
/// them and expands a request with lists into one job per combination (at most <see cref="JobQueue.MaxJobsPerRequest"/>).
/// Text and JSON input become these lists through <see cref="MethodOptionsParser.FromText"/> and
/// <see cref="MethodOptionsParser.FromJson"/>.
/// </summary>
public sealed record JobRequest
{
    public JobKind Kind { get; init; } = JobKind.Unlearn;
    public string Dataset { get; init; } = "fashion-mnist";
    public string Architecture { get; init; } = "compact";
    /// <summary>Shorthand for the forget set <c>class-{ForgetClass}</c>; ignored when <see cref="ForgetSet"/> is given.</summary>
    public int ForgetClass { get; init; }
    /// <summary>The forget set's id (docs/forget-sets.md): <c>class-{c}</c> or a stored sample set; null = <see cref="ForgetClass"/>.</summary>
    public string? ForgetSet { get; init; }
    public string? Method { get; init; }
    public string? BaseExperimentId { get; init; }
    public Dictionary<string, double[]> Hyperparameters { get; init; } = [];
    public long? Seed { get; init; }
    /// <summary>
    /// Several seeds (at most <see cref="JobQueue.MaxSeeds"/>, distinct): one job per seed and hyperparameter combination;
    /// the runs of one combination form a group (docs/forget-sets.md, "Groups"). Overrides <see cref="Seed"/>.
    /// </summary>
    public long[]? Seeds { get; init; }

    /// <summary>Forgetting-quality jobs: models per side K (docs/metrics.md, "Forgetting quality"); null = 8.</summary>
    public int? GroupSize { get; init; }
    /// <summary>Forgetting-quality jobs: score stale runs of the group too (docs/results-format.md, "Stale results").</summary>
    public bool IncludeStale { get; init; }

    /// <summary>
    /// Unlearning jobs: record UA, RA, TUA, TRA, PS, C-MIA and E-MIA at epoch 0 and after every epoch (docs/metrics.md,
    /// "Per-epoch metrics"). Off by default: it adds a train and a test pass per epoch (outside RT).
    /// </summary>
    public bool TrackEpochMetrics { get; init; }

    /// <summary>The forget set id this request names.</summary>
    public string ForgetSetId => ForgetSet ?? Data.ForgetSets.ClassId(ForgetClass);
    /// <summary>Upload jobs: the stored upload file (relative to the app folder).</summary>
    public string? UploadPath { get; init; }

    /// <summary>Who asked (the signed-in user name, docs/lab-identity.md); copied to the jobs and to the experiments they create. Null = nobody recorded.</summary>
    public string? Owner { get; init; }
}
