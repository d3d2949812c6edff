using System.Globalization;
using Unlearning.Core.Data;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Jobs;

namespace Unlearning.Web.Components.Build;

public enum StepState { Waiting, Active, Done, Failed }

/// <summary>One step of a job's stepper with the lines shown under it.</summary>
public sealed record JobStep(string Name, StepState State, IReadOnlyList<string> Lines);

/// <summary>
/// The progress stepper of REFERENCE §8.3 computed from a job snapshot: Unlearn (Train for baselines, Load for
/// uploads) → Evaluate → Analyze. Unlike the original, the percentages are the job's real progress, not a timer.
/// </summary>
public static class JobSteps
{
    public static IReadOnlyList<string> Names(Job job) => job.Kind switch
    {
        JobKind.Evaluate => [JobRunner.Evaluate, JobRunner.Analyze],
        JobKind.TrainOriginal or JobKind.Retrain => [JobRunner.Train, JobRunner.Evaluate, JobRunner.Analyze],
        JobKind.Upload => ["Load", JobRunner.Evaluate, JobRunner.Analyze],
        _ => [JobRunner.Unlearn, JobRunner.Evaluate, JobRunner.Analyze],
    };

    /// <summary>Index of the step the job is in; the preparation stages ("Starting", "Computing Fisher Information", …) belong to the first.</summary>
    public static int ActiveIndex(Job job)
    {
        var names = Names(job);
        if (job.Status == JobStatus.Succeeded) return names.Count;
        int i = names.ToList().IndexOf(job.Stage);
        // Unlearn/upload jobs evaluate missing baselines in their first 5–10 %: that is still preparation.
        if (i > 0 && job.Kind is JobKind.Unlearn or JobKind.Upload && job.Progress < 0.11) return 0;
        return Math.Max(0, i);
    }

    public static IReadOnlyList<JobStep> For(Job job, Func<string?, string> methodName)
    {
        var names = Names(job);
        int active = ActiveIndex(job);
        bool running = job.Status == JobStatus.Running;
        var steps = new List<JobStep>();
        for (int i = 0; i < names.Count; i++)
        {
            var state = i < active ? StepState.Done
                : i > active ? StepState.Waiting
                : job.Status is JobStatus.Failed or JobStatus.Cancelled ? StepState.Failed
                : running ? StepState.Active : StepState.Waiting;
            steps.Add(new JobStep(names[i], state, Lines(job, names[i], state, methodName)));
        }
        return steps;
    }

    private static List<string> Lines(Job job, string step, StepState state, Func<string?, string> methodName)
    {
        var lines = new List<string>();
        if (step is JobRunner.Unlearn or JobRunner.Train)
        {
            string epoch = job.Epoch is { } e && job.TotalEpochs is { } t ? $"{e}/{t}" : "-";
            lines.Add($"Method: {(job.Kind == JobKind.Unlearn ? methodName(job.Method) : job.Kind.ToString())} | Epoch: {epoch}");
            lines.Add($"Forget acc: {F3(job.ForgetAccuracy)} | Retain acc: {F3(job.RetainAccuracy)}");
        }
        if (state == StepState.Active)
        {
            if (!string.Equals(job.Stage, step, StringComparison.Ordinal)) lines.Add(job.Stage + "…");
            lines.Add($"{job.Progress * 100:0}% overall{(job.EtaSeconds is { } eta && eta > 0 ? " · ETA " + FormatEta(eta) : "")}");
        }
        if (step == JobRunner.Analyze && job.Status == JobStatus.Succeeded && job.ResultExperimentId is { } id)
            lines.Add($"Done! Model ID: {ExperimentIds.Display(id)}");
        return lines;
    }

    /// <summary>A one-line title: "#12 Fine-Tuning · Forget: Coat".</summary>
    public static string Title(Job job, Func<string?, string> methodName)
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
        string cls = info is not null && job.ForgetClass >= 0 && job.ForgetClass < info.NumClasses ? info.ClassNames[job.ForgetClass] : job.ForgetClass.ToString(CultureInfo.InvariantCulture);
        return $"#{job.Id} {what} · Forget: {cls}";
    }

    public static string FormatEta(double seconds) =>
        seconds >= 3600 ? $"{(int)(seconds / 3600)}h {(int)(seconds % 3600 / 60):00}m"
        : seconds >= 60 ? $"{(int)(seconds / 60)}m {(int)(seconds % 60):00}s"
        : $"{Math.Ceiling(seconds):0}s";

    private static string F3(double? v) => v is { } x ? x.ToString("0.000", CultureInfo.InvariantCulture) : "-";
}
