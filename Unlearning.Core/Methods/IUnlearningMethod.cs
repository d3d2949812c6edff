namespace Unlearning.Core.Methods;

/// <summary>
/// An unlearning method: the extension point of docs/methods.md, "Own methods (plug-ins)". Built-ins and plug-ins implement it;
/// <see cref="MethodServiceCollectionExtensions.AddUnlearningMethods"/> registers them and
/// <see cref="PluginLoader"/> discovers plug-ins (public, non-abstract, parameterless constructor) in a folder.
/// A method is stateless: everything a run needs arrives in the <see cref="UnlearningContext"/>.
/// </summary>
public interface IUnlearningMethod
{
    /// <summary>Stored method name, e.g. <c>FineTuning</c> (docs/methods.md, "Common scaffolding"); unique among registered methods.</summary>
    string Name { get; }

    /// <summary>Name shown in the UI and status, e.g. <c>Fine-Tuning</c>.</summary>
    string DisplayName { get; }

    /// <summary>One or two sentences for the build dialog.</summary>
    string Description { get; }

    /// <summary>
    /// True for a method that can only forget a whole class (e.g. it moves that class's decision boundary); it refuses any other
    /// forget set. The build dialog and <c>GET /api/methods</c> show it.
    /// </summary>
    bool ClassWiseOnly => false;

    /// <summary>Schema of every hyperparameter with the original system's UI defaults.</summary>
    IReadOnlyList<HyperparameterSpec> Hyperparameters { get; }

    /// <summary>
    /// Defaults suited to an architecture (an id of <see cref="Models.ModelCatalog"/>); by default the
    /// schema's defaults. The compact CPU model gets smaller, CPU-sized values.
    /// </summary>
    IReadOnlyDictionary<string, double> DefaultsFor(string architectureId) =>
        Hyperparameters.ToDictionary(h => h.Name, h => h.Default);

    /// <summary>
    /// Unlearns <see cref="UnlearningContext.Split"/>'s forget class from <see cref="UnlearningContext.Model"/>
    /// in place. Runs on the caller's thread (a job thread: no <c>await</c>, one dispose scope per batch),
    /// reports progress, and throws <see cref="OperationCanceledException"/> within one batch of cancellation.
    /// </summary>
    UnlearningResult Run(UnlearningContext context, IProgress<UnlearningProgress> progress, CancellationToken cancellation);
}

/// <summary>
/// Progress of a run (as the original's status; docs/views.md, "Job queue and progress"): the stage, the epoch, the forget-set loss/accuracy of the last
/// finished epoch (eval mode), the running accuracy on this epoch's retain batches where the method trains on them,
/// and the fraction done with an ETA. Reported after every batch and at the end of every epoch.
/// </summary>
/// <param name="Stage">E.g. "Computing Fisher Information", "Computing Saliency Map", "Unlearning".</param>
/// <param name="Epoch">Epochs finished so far (0 before the first ends).</param>
/// <param name="Fraction">Part of the stage done, 0..1.</param>
public sealed record UnlearningProgress(
    string Stage,
    int Epoch,
    int TotalEpochs,
    double? ForgetLoss,
    double? ForgetAccuracy,
    double? RetainAccuracy,
    double Fraction,
    TimeSpan Elapsed,
    TimeSpan? Eta)
{
    /// <summary>Stage name of the unlearning loop itself.</summary>
    public const string UnlearningStage = "Unlearning";

    /// <summary>Stage name while the optional per-epoch metrics are recorded (outside RT; docs/metrics.md, "Per-epoch metrics").</summary>
    public const string EpochMetricsStage = "Recording epoch metrics";
}

/// <summary>What one epoch did: the forget-set loss/accuracy measured after it (eval mode).</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="LearningRate">Learning rate used during the epoch.</param>
/// <param name="RetainAccuracy">Running accuracy on the epoch's retain batches (train mode), or null when the method does not train on retain data.</param>
/// <param name="ElapsedSeconds">Wall time of the unlearning loop from its start to the end of this epoch.</param>
public sealed record EpochLog(int Epoch, double LearningRate, double ForgetLoss, double ForgetAccuracy, double? RetainAccuracy, double ElapsedSeconds);

/// <summary>Outcome of a run.</summary>
/// <param name="RunTimeSeconds">
/// RT (docs/metrics.md, "Run time (RT)"): wall time of the unlearning loop only, rounded to 0.1 s — excludes Fisher/saliency
/// preparation, includes the per-epoch forget-set evaluation.
/// </param>
public sealed record UnlearningResult(double RunTimeSeconds, IReadOnlyList<EpochLog> Epochs);
