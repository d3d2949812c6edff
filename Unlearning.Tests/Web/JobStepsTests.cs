using Unlearning.Core.Experiments;
using Unlearning.Web.Components.Build;

namespace Unlearning.Tests.Web;

public class JobStepsTests
{
    private static Job Job(string stage, double progress, JobStatus status = JobStatus.Running, JobKind kind = JobKind.Unlearn) => new()
    {
        Id = 7, Kind = kind, Dataset = "fashion-mnist", Architecture = "compact", ForgetClass = 3, Method = "FineTuning",
        Status = status, Stage = stage, Progress = progress, Epoch = 1, TotalEpochs = 2, EtaSeconds = 75, ForgetAccuracy = 0.25,
    };

    [Theory]
    [InlineData("Starting", 0.0, 0)]
    [InlineData("Computing Fisher Information", 0.05, 0)]
    [InlineData("Evaluate", 0.03, 0)]   // baselines evaluated before unlearning: still preparation
    [InlineData("Unlearn", 0.3, 0)]
    [InlineData("Evaluate", 0.6, 1)]
    [InlineData("Analyze", 0.9, 2)]
    public void Stage_maps_to_the_step(string stage, double progress, int step) =>
        Assert.Equal(step, JobSteps.ActiveIndex(Job(stage, progress)));

    [Fact]
    public void Unlearn_step_shows_method_epoch_accuracy_and_eta()
    {
        var steps = JobSteps.For(Job("Unlearn", 0.3), m => m == "FineTuning" ? "Fine-Tuning" : "?");
        Assert.Equal(["Unlearn", "Evaluate", "Analyze"], steps.Select(s => s.Name));
        Assert.Equal([StepState.Active, StepState.Waiting, StepState.Waiting], steps.Select(s => s.State));
        Assert.Contains("Method: Fine-Tuning | Epoch: 1/2", steps[0].Lines);
        Assert.Contains("Forget acc: 0.250 | Retain acc: -", steps[0].Lines);
        Assert.Contains("30% overall · ETA 1m 15s", steps[0].Lines);
    }

    [Fact]
    public void Finished_and_failed_jobs()
    {
        var done = Job("Done", 1, JobStatus.Succeeded);
        done.ResultExperimentId = "3f9c";
        Assert.All(JobSteps.For(done, m => m ?? ""), s => Assert.Equal(StepState.Done, s.State));
        Assert.Contains("Done! Model ID: 3f9c", JobSteps.For(done, m => m ?? "")[2].Lines);
        var failed = JobSteps.For(Job("Evaluate", 0.7, JobStatus.Failed), m => m ?? "");
        Assert.Equal([StepState.Done, StepState.Failed, StepState.Waiting], failed.Select(s => s.State));
        Assert.Equal(["Evaluate", "Analyze"], JobSteps.Names(Job("Evaluate", 0.1, kind: JobKind.Evaluate)));
    }
}
