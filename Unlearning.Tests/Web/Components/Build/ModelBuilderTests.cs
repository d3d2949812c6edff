using Bunit;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Jobs;
using Unlearning.Core.Methods;
using Unlearning.Web.Components.Build;

namespace Unlearning.Tests.Web.Components.Build;

public class ModelBuilderTests : MudTestContext
{
    private JobRequest? _submitted;

    private IRenderedComponent<ModelBuilderForm> RenderForm(Func<JobRequest, IReadOnlyList<Job>>? submit = null) =>
        Render<ModelBuilderForm>(p => p
            .Add(f => f.Methods, MethodServiceCollectionExtensions.BuiltIns())
            .Add(f => f.BaseModels, [TableFixtures.Row("0003-fashion-mnist-compact", ExperimentType.Original)])
            .Add(f => f.Dataset, "fashion-mnist")
            .Add(f => f.Architecture, "compact")
            .Add(f => f.ForgetClass, 3)
            .Add(f => f.Submit, submit ?? (r => { _submitted = r; return []; })));

    /// <summary>Types into a hyperparameter's field and waits until the form has taken the text (MudTextField updates asynchronously).</summary>
    private static void Type(IRenderedComponent<ModelBuilderForm> cut, string name, string text)
    {
        cut.Find($".hp-{name} input").Input(text);
        cut.WaitForState(() => cut.Instance.Model.Entry(name)!.Text == text, TimeSpan.FromSeconds(5));
    }

    /// <summary>Clicks a list's "+" once the re-render after typing has enabled it.</summary>
    private static void AddValue(IRenderedComponent<ModelBuilderForm> cut, string name)
    {
        int before = cut.Instance.Model.Entry(name)!.Values.Count;
        cut.WaitForAssertion(() => Assert.False(cut.Find($"button.hp-add-{name}").HasAttribute("disabled")), TimeSpan.FromSeconds(5));
        cut.Find($"button.hp-add-{name}").Click();
        cut.WaitForState(() => cut.Instance.Model.Entry(name)!.Values.Count == before + 1, TimeSpan.FromSeconds(5));
    }

    private static string Count(IRenderedComponent<ModelBuilderForm> cut) => cut.Find(".model-count").TextContent.Trim();

    private static string Errors(IRenderedComponent<ModelBuilderForm> cut, string name) =>
        string.Join(" | ", cut.FindAll($"tr[data-name='{name}'] .hp-error").Select(e => e.TextContent.Trim()));

    [Fact]
    public void Defaults_come_from_the_architecture_and_build_one_model()
    {
        var cut = RenderForm();
        cut.WaitForAssertion(() => Assert.Equal("These settings will build 1 model.", Count(cut)));
        Assert.Equal("2", cut.Find("tr[data-name='epochs'] .hp-chip").TextContent.Trim());   // compact default, not the original's 10
        Assert.Equal(7, cut.FindAll("tr.hp-row").Count);                                   // epochs, lr, batch, eta_min, retain_fraction + the two layer-group options (docs/methods.md, "Layer groups: freezing and re-initialising")
    }

    [Fact]
    public void Grid_lists_multiply_into_the_model_count()
    {
        var cut = RenderForm();
        Type(cut, "epochs", "3");
        AddValue(cut, "epochs");
        cut.WaitForAssertion(() => Assert.Equal("These settings will build 2 models.", Count(cut)));
        Type(cut, "learning_rate", "0.01");
        AddValue(cut, "learning_rate");
        Type(cut, "learning_rate", "0.001");
        AddValue(cut, "learning_rate");
        cut.WaitForAssertion(() => Assert.Equal("These settings will build 6 models.", Count(cut)));
        cut.WaitForAssertion(() => Assert.False(cut.Find(".builder-build").HasAttribute("disabled")));
        cut.Find(".builder-build").Click();
        Assert.NotNull(_submitted);
        Assert.Equal(6, MethodOptionsParser.Count(_submitted!.Hyperparameters));
        Assert.Equal([2, 3], _submitted.Hyperparameters["epochs"]);
        Assert.Equal([0.5], _submitted.Hyperparameters["retain_fraction"]);
        Assert.Equal("FineTuning", _submitted.Method);
        Assert.Equal("0003-fashion-mnist-compact", _submitted.BaseExperimentId);
    }

    [Fact]
    public void Typed_values_are_validated()
    {
        var cut = RenderForm();
        Type(cut, "epochs", "abc");
        cut.WaitForAssertion(() => Assert.Equal("Not a number.", Errors(cut, "epochs")));
        cut.WaitForAssertion(() => Assert.True(cut.Find("button.hp-add-epochs").HasAttribute("disabled")));
        Type(cut, "epochs", "2.5");
        cut.WaitForAssertion(() => Assert.Equal("Must be a whole number.", Errors(cut, "epochs")));
        Type(cut, "epochs", "500");
        cut.WaitForAssertion(() => Assert.Equal("Must be between 1 and 200.", Errors(cut, "epochs")));
        Type(cut, "retain_fraction", "NaN");
        cut.WaitForAssertion(() => Assert.Equal("Not a number.", Errors(cut, "retain_fraction")));
        cut.WaitForAssertion(() => Assert.True(cut.Find(".builder-build").HasAttribute("disabled")));
        Type(cut, "retain_fraction", "0.1");
        cut.WaitForAssertion(() => Assert.Equal("", Errors(cut, "retain_fraction")));
    }

    [Fact]
    public void An_empty_list_blocks_the_build()
    {
        var cut = RenderForm();
        cut.Find("tr[data-name='batch_size'] .hp-chip .mud-chip-close-button").Click();
        cut.WaitForAssertion(() => Assert.Equal("Add at least one value.", Errors(cut, "batch_size")));
        cut.WaitForAssertion(() => Assert.Equal("These settings will build 0 models.", Count(cut)));
        cut.WaitForAssertion(() => Assert.True(cut.Find(".builder-build").HasAttribute("disabled")));
    }

    [Fact]
    public void At_most_five_values_per_list()
    {
        var model = new ModelBuilderModel(MethodServiceCollectionExtensions.BuiltIns(), "fashion-mnist", "compact", 3, "0003");
        var epochs = model.Entry("epochs")!;
        foreach (var v in new[] { "3", "4", "5", "6" }) { epochs.Text = v; Assert.True(epochs.Add()); }
        epochs.Text = "7";
        Assert.False(epochs.Add());
        Assert.Equal("At most 5 values.", epochs.AddBlockedReason);
        epochs.Text = "3";
        Assert.Equal(5, epochs.Values.Count);
    }

    [Fact]
    public void More_models_than_one_build_may_queue_block_the_build_with_both_numbers()
    {
        var model = new ModelBuilderModel(MethodServiceCollectionExtensions.BuiltIns(), "fashion-mnist", "compact", 3, "0003");
        var epochs = model.Entry("epochs")!;
        var lr = model.Entry("learning_rate")!;
        foreach (var v in new[] { "3", "4", "5", "6" }) { epochs.Text = v; Assert.True(epochs.Add()); }
        foreach (var v in new[] { "0.1", "0.02", "0.03", "0.04" }) { lr.Text = v; Assert.True(lr.Add()); }
        Assert.Equal(25, model.ModelCount);
        Assert.Null(model.BlockedReason);
        var batch = model.Entry("batch_size")!;
        batch.Text = "64";
        Assert.True(batch.Add());
        Assert.Equal(50, model.ModelCount);
        Assert.Equal("These lists make 50 models; at most 25 can be built at once.", model.BlockedReason);
    }

    [Fact]
    public void The_form_blocks_at_the_queue_s_configured_cap_not_at_the_default()
    {
        var cut = Render<ModelBuilderForm>(p => p
            .Add(f => f.Methods, MethodServiceCollectionExtensions.BuiltIns())
            .Add(f => f.BaseModels, [TableFixtures.Row("0003-fashion-mnist-compact", ExperimentType.Original)])
            .Add(f => f.Dataset, "fashion-mnist")
            .Add(f => f.Architecture, "compact")
            .Add(f => f.ForgetClass, 3)
            .Add(f => f.MaxModels, 2));
        var epochs = cut.Instance.Model.Entry("epochs")!;
        foreach (var v in new[] { "3", "4" }) { epochs.Text = v; Assert.True(epochs.Add()); }
        Assert.Equal("These lists make 3 models; at most 2 can be built at once.", cut.Instance.Model.BlockedReason);
    }

    [Fact]
    public void Queue_errors_are_shown_in_the_form()
    {
        var cut = RenderForm(_ => throw new ArgumentException("Base experiment 'x' does not exist."));
        cut.Find(".builder-build").Click();
        cut.WaitForAssertion(() => Assert.Contains("Base experiment 'x' does not exist.", cut.Find(".builder-error").TextContent));
    }

    [Fact]
    public void Per_epoch_metrics_are_off_by_default_and_the_checkbox_reaches_the_request()
    {
        var cut = RenderForm();
        cut.Find(".builder-build").Click();
        cut.WaitForAssertion(() => Assert.NotNull(_submitted));
        Assert.False(_submitted!.TrackEpochMetrics);
        _submitted = null;
        cut.Find(".builder-track-epoch-metrics input").Change(true);
        cut.WaitForState(() => cut.Instance.Model.TrackEpochMetrics, TimeSpan.FromSeconds(5));
        cut.Find(".builder-build").Click();
        cut.WaitForAssertion(() => Assert.True(_submitted?.TrackEpochMetrics));
    }
}
