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
    public int ForgetClass { get; init; }
    public string? Method { get; init; }
    public string? BaseExperimentId { get; init; }
    public Dictionary<string, double[]> Hyperparameters { get; init; } = [];
    public long? Seed { get; init; }
    /// <summary>Upload jobs: the stored upload file (relative to the app folder).</summary>
    public string? UploadPath { get; init; }
}
