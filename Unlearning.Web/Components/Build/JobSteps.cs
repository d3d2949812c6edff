using System.Globalization;
using Unlearning.Core.Data;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Jobs;

namespace Unlearning.Web.Components.Build;

public enum StepState { Waiting, Active, Done, Failed }

/// <summary>One step of a job's stepper with the lines shown under it.</summary>
public sealed record JobStepView(JobStep Step, string Name, StepState State, IReadOnlyList<string> Lines);

/// <summary>
/// The progress stepper of a job: the steps of its kind (<see cref="JobPipeline.Steps"/>), the one the job runner
/// reports as current (<see cref="Job.Step"/>) active, with its own progress and ETA. Unlike the original, the
/// percentages are the job's real progress, not a timer.
/// </summary>
public static class JobSteps
{
    public static IReadOnlyList<JobStep> Steps(Job job) => JobPipeline.Steps(job.Kind);

    public static IReadOnlyList<string> Names(Job job) => [.. Steps(job).Select(s => s.ToString())];

    /// <summary>Index of the step the job reports; a queued job waits at the first, a finished one is past the last.</summary>
    public static int ActiveIndex(Job job)
    {
        var steps = Steps(job);
        if (job.Status == JobStatus.Succeeded) return steps.Count;
        return Math.Max(0, steps.ToList().IndexOf(job.Step));
    }

    public static IReadOnlyList<JobStepView> For(Job job, Func<string?, string> methodName)
    {
        var steps = Steps(job);
        int active = ActiveIndex(job);
        bool running = job.Status == JobStatus.Running;
        var views = new List<JobStepView>();
        for (int i = 0; i < steps.Count; i++)
        {
            var state = i < active ? StepState.Done
                : i > active ? StepState.Waiting
                : job.Status is JobStatus.Failed or JobStatus.Cancelled ? StepState.Failed
                : running ? StepState.Active : StepState.Waiting;
            views.Add(new JobStepView(steps[i], steps[i].ToString(), state, Lines(job, steps[i], state, methodName)));
        }
        return views;
    }

    private static List<string> Lines(Job job, JobStep step, StepState state, Func<string?, string> methodName)
    {
        var lines = new List<string>();
        if (step is JobStep.Unlearn or JobStep.Train)
        {
            string epoch = job.Epoch is { } e && job.TotalEpochs is { } t ? $"{e}/{t}" : "-";
            lines.Add($"Method: {(job.Kind == JobKind.Unlearn ? methodName(job.Method) : job.Kind.ToString())} | Epoch: {epoch}");
            lines.Add($"Forget acc: {F3(job.ForgetAccuracy)} | Retain acc: {F3(job.RetainAccuracy)}");
        }
        if (state == StepState.Active)
        {
            if (!string.Equals(job.Stage, step.ToString(), StringComparison.Ordinal)) lines.Add(job.Stage + "…");
            lines.Add($"{job.StepProgress * 100:0}% of this step{(job.EtaSeconds is { } eta && eta > 0 ? " · ETA " + FormatEta(eta) : "")} · {job.Progress * 100:0}% overall");
        }
        if (step == JobStep.Analyze && job.Status == JobStatus.Succeeded && job.ResultExperimentId is { } id)
            lines.Add($"Done! Model ID: {ExperimentIds.Display(id)}");
        return lines;
    }

    /// <summary>A one-line title: "#12 Fine-Tuning · Forget: Coat" (a sample set by its name, from <paramref name="setName"/>).</summary>
    public static string Title(Job job, Func<string?, string> methodName, Func<Job, string?>? setName = null)
    {
        string what = job.Kind switch
        {
            JobKind.Unlearn => methodName(job.Method),
            JobKind.Upload => "Upload",
            JobKind.Evaluate => "Evaluate baselines",
            JobKind.TrainOriginal => "Train Original",
            JobKind.Retrain => "Retrain",
            _ => job.Kind.ToString(),
        };
        var info = DatasetCatalog.TryGet(job.Dataset);
        bool classSet = string.IsNullOrEmpty(job.ForgetSetId) || ForgetSets.TryParseClassId(job.ForgetSetId, out _);
        string cls = !classSet ? setName?.Invoke(job) ?? job.ForgetSetId
            : info is not null && job.ForgetClass >= 0 && job.ForgetClass < info.NumClasses ? info.ClassNames[job.ForgetClass] : job.ForgetClass.ToString(CultureInfo.InvariantCulture);
        return $"#{job.Id} {what} · Forget: {cls}";
    }

    public static string FormatEta(double seconds) =>
        seconds >= 3600 ? $"{(int)(seconds / 3600)}h {(int)(seconds % 3600 / 60):00}m"
        : seconds >= 60 ? $"{(int)(seconds / 60)}m {(int)(seconds % 60):00}s"
        : $"{Math.Ceiling(seconds):0}s";

    private static string F3(double? v) => v is { } x ? x.ToString("0.000", CultureInfo.InvariantCulture) : "-";
}
