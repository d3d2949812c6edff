using Unlearning.Core.Experiments;
using Unlearning.Web.Components.Build;

namespace Unlearning.Tests.Web.Components.Build;

public class JobStepsTests
{
    private static Job Job(JobStep step, string stage, double progress, JobStatus status = JobStatus.Running, JobKind kind = JobKind.Unlearn) => new()
    {
        Id = 7, Kind = kind, Dataset = "fashion-mnist", Architecture = "compact", ForgetClass = 3, Method = "FineTuning",
        Status = status, Step = step, Stage = stage, StepProgress = 0.4, Progress = progress, Epoch = 1, TotalEpochs = 2, EtaSeconds = 75,
        ForgetAccuracy = 0.25,
    };

    [Theory]
    [InlineData(JobStep.Queued, "Queued", 0.0, 0)]
    [InlineData(JobStep.Unlearn, "Starting", 0.0, 0)]
    [InlineData(JobStep.Unlearn, "Evaluating baselines", 0.03, 0)]   // baselines evaluated before unlearning: the runner says Unlearn
    [InlineData(JobStep.Unlearn, "Computing Fisher Information", 0.05, 0)]
    [InlineData(JobStep.Evaluate, "Evaluate", 0.06, 1)]             // the step is what the job reports, whatever its overall progress
    [InlineData(JobStep.Evaluate, "Evaluate", 0.6, 1)]
    [InlineData(JobStep.Analyze, "Analyze", 0.9, 2)]
    public void The_active_step_is_the_reported_one(JobStep step, string stage, double progress, int index) =>
        Assert.Equal(index, JobSteps.ActiveIndex(Job(step, stage, progress)));

    [Fact]
    public void Unlearn_step_shows_method_epoch_accuracy_step_progress_and_eta()
    {
        var steps = JobSteps.For(Job(JobStep.Unlearn, "Unlearning", 0.3), m => m == "FineTuning" ? "Fine-Tuning" : "?");
        Assert.Equal(["Unlearn", "Evaluate", "Analyze"], steps.Select(s => s.Name));
        Assert.Equal([StepState.Active, StepState.Waiting, StepState.Waiting], steps.Select(s => s.State));
        Assert.Contains("Method: Fine-Tuning | Epoch: 1/2", steps[0].Lines);
        Assert.Contains("Forget acc: 0.250 | Retain acc: -", steps[0].Lines);
        Assert.Contains("Unlearning…", steps[0].Lines);
        Assert.Contains("40% of this step · ETA 1m 15s · 30% overall", steps[0].Lines);
        Assert.Empty(steps[1].Lines);
    }

    [Fact]
    public void Finished_failed_and_other_kinds_of_jobs()
    {
        var done = Job(JobStep.Analyze, "Done", 1, JobStatus.Succeeded);
        done.ResultExperimentId = "3f9c";
        Assert.All(JobSteps.For(done, m => m ?? ""), s => Assert.Equal(StepState.Done, s.State));
        Assert.Contains("Done! Model ID: 3f9c", JobSteps.For(done, m => m ?? "")[2].Lines);
        var failed = JobSteps.For(Job(JobStep.Evaluate, "Evaluate", 0.7, JobStatus.Failed), m => m ?? "");
        Assert.Equal([StepState.Done, StepState.Failed, StepState.Waiting], failed.Select(s => s.State));
        Assert.Equal(["Evaluate", "Analyze"], JobSteps.Names(Job(JobStep.Evaluate, "Evaluate", 0.1, kind: JobKind.Evaluate)));
        Assert.Equal(["Load", "Evaluate", "Analyze"], JobSteps.Names(Job(JobStep.Load, "Loading checkpoint", 0.1, kind: JobKind.Upload)));
        var training = JobSteps.For(Job(JobStep.Train, "Training", 0.5, kind: JobKind.Retrain), m => m ?? "");
        Assert.Equal(["Train", "Evaluate", "Analyze"], training.Select(s => s.Name));
        Assert.Equal(StepState.Active, training[0].State);
        Assert.Contains("Method: Retrain | Epoch: 1/2", training[0].Lines);
    }
}
