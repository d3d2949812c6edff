namespace Unlearning.Core.Experiments.Jobs;

/// <summary>The steps each kind of job goes through, in order (what the build panel's stepper lists).</summary>
public static class JobPipeline
{
    /// <summary>
    /// Unlearn → Evaluate → Analyze for unlearning jobs (missing baseline evaluations count as the first step's
    /// preparation), Load → Evaluate → Analyze for uploads, Train → Evaluate → Analyze for baselines, and
    /// Evaluate → Analyze for baseline evaluations and forgetting quality (statistics of every model, then the scoring),
    /// one Depth step for depth jobs.
    /// </summary>
    public static IReadOnlyList<JobStep> Steps(JobKind kind) => kind switch
    {
        JobKind.Evaluate or JobKind.ForgettingQuality => [JobStep.Evaluate, JobStep.Analyze],
        JobKind.TrainOriginal or JobKind.Retrain => [JobStep.Train, JobStep.Evaluate, JobStep.Analyze],
        JobKind.Upload => [JobStep.Load, JobStep.Evaluate, JobStep.Analyze],
        JobKind.Depth => [JobStep.Depth],
        _ => [JobStep.Unlearn, JobStep.Evaluate, JobStep.Analyze],
    };
}
