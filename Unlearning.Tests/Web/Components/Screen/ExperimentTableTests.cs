using Bunit;
using Unlearning.Web.Components.Screen;

namespace Unlearning.Tests.Web.Components.Screen;

public class ExperimentTableTests : MudTestContext
{
    private const string Original = "0003-fashion-mnist-compact", Retrained = "a003-fashion-mnist-compact";

    private IRenderedComponent<ExperimentTable> RenderTable(Action<string?>? onA = null, Action<string?>? onB = null) =>
        Render<ExperimentTable>(p => p
            .Add(t => t.Experiments, TableFixtures.Rows())
            .Add(t => t.FilterOptions, [("FineTuning", "Fine-Tuning"), ("GradientAscent", "Gradient Ascent")])
            .Add(t => t.ModelA, Original)
            .Add(t => t.ModelB, Retrained)
            .Add(t => t.ModelAChanged, (string? v) => onA?.Invoke(v))
            .Add(t => t.ModelBChanged, (string? v) => onB?.Invoke(v)));

    private static string RowOrder(IRenderedComponent<ExperimentTable> cut) =>
        string.Join(",", cut.FindAll("tbody tr").Select(r => r.QuerySelector(".exp-id")!.TextContent));

    [Fact]
    public void Cells_are_coloured_by_the_original_scales()
    {
        var cut = RenderTable();
        var retrained = cut.Find($"tr[data-id='{Retrained}']");
        Assert.Equal("0.000", retrained.QuerySelector("td.m-ua")!.TextContent);
        Assert.Contains("background:#228b45", retrained.QuerySelector("td.m-ua")!.GetAttribute("style"));
        Assert.Contains("color:#fff", retrained.QuerySelector("td.m-ua")!.GetAttribute("style"));
        Assert.Contains("background:#d54b04", retrained.QuerySelector("td.m-ps")!.GetAttribute("style"));
        // RT 200 s is past the 160 s domain: the lightest blue, dark text.
        Assert.Contains($"background:{ColorScales.InterpolateBlues(0.03)};color:#222", retrained.QuerySelector("td.m-rt")!.GetAttribute("style"));
        var original = cut.Find($"tr[data-id='{Original}']");
        Assert.Equal("-", original.QuerySelector("td.m-ps")!.TextContent);
        Assert.True(string.IsNullOrEmpty(original.QuerySelector("td.m-ps")!.GetAttribute("style")));
        Assert.Equal("Fine-Tuning", cut.Find("tr[data-id='b001'] td.c-method").TextContent);
        Assert.Equal("Retrained", retrained.QuerySelector(".badge-retrained")!.TextContent);
    }

    [Fact]
    public void Header_clicks_sort_desc_then_asc_then_off_with_NA_last()
    {
        var cut = RenderTable();
        cut.WaitForAssertion(() => Assert.Equal("0003,a003,b001,c003,d004", RowOrder(cut)));
        cut.Find("th[data-col='PS']").Click();
        cut.WaitForAssertion(() => Assert.Equal("a003,d004,b001,0003,c003", RowOrder(cut)));
        cut.WaitForAssertion(() => Assert.Contains("sorted-desc", cut.Find("th[data-col='PS']").ClassName));
        cut.Find("th[data-col='PS']").Click();
        cut.WaitForAssertion(() => Assert.Equal("b001,d004,a003,0003,c003", RowOrder(cut)));
        cut.Find("th[data-col='PS']").Click();
        cut.WaitForAssertion(() => Assert.Equal("0003,a003,b001,c003,d004", RowOrder(cut)));
        cut.Find("th[data-col='UA']").Click();
        cut.WaitForAssertion(() => Assert.Equal("0003,d004,c003,b001,a003", RowOrder(cut)));
    }

    [Fact]
    public void A_row_chosen_as_A_is_disabled_in_B_and_vice_versa()
    {
        string? a = null, b = null;
        var cut = RenderTable(v => a = v, v => b = v);
        cut.WaitForAssertion(() => Assert.True(cut.Find($"tr[data-id='{Original}'] .radio-a").HasAttribute("checked")));
        cut.WaitForAssertion(() => Assert.True(cut.Find($"tr[data-id='{Original}'] .radio-b").HasAttribute("disabled")));
        cut.WaitForAssertion(() => Assert.True(cut.Find($"tr[data-id='{Retrained}'] .radio-a").HasAttribute("disabled")));
        cut.WaitForAssertion(() => Assert.False(cut.Find("tr[data-id='b001'] .radio-a").HasAttribute("disabled")));

        cut.Find("tr[data-id='b001'] .radio-a").Change(true);
        cut.WaitForAssertion(() => Assert.Equal("b001", a));
        cut.WaitForAssertion(() => Assert.True(cut.Find("tr[data-id='b001'] .radio-b").HasAttribute("disabled")));
        cut.WaitForAssertion(() => Assert.False(cut.Find($"tr[data-id='{Original}'] .radio-b").HasAttribute("disabled")));

        cut.Find($"tr[data-id='{Original}'] .radio-b").Change(true);
        cut.WaitForAssertion(() => Assert.Equal(Original, b));
        cut.WaitForAssertion(() => Assert.True(cut.Find($"tr[data-id='{Original}'] .radio-a").HasAttribute("disabled")));
        cut.WaitForAssertion(() => Assert.False(cut.Find($"tr[data-id='{Retrained}'] .radio-a").HasAttribute("disabled")));
    }

    [Fact]
    public void Baselines_have_no_delete_button_and_every_row_links_its_downloads()
    {
        var cut = RenderTable();
        Assert.Empty(cut.FindAll($"tr[data-id='{Original}'] .act-delete"));
        Assert.Single(cut.FindAll("tr[data-id='b001'] .act-delete"));
        Assert.Equal("api/experiments/b001/export", cut.Find("tr[data-id='b001'] .act-json").GetAttribute("href"));
        Assert.Equal("api/experiments/b001/checkpoint", cut.Find("tr[data-id='b001'] .act-pth").GetAttribute("href"));
    }

    [Fact]
    public void A_pending_baseline_offers_its_evaluation_unless_a_job_will_evaluate_it_anyway()
    {
        var rows = TableFixtures.Rows();
        rows[0].Status = Unlearning.Core.Experiments.ExperimentStatus.Pending;   // the Original, not evaluated yet
        rows[2].Status = Unlearning.Core.Experiments.ExperimentStatus.Pending;   // an unlearned row being built
        int asked = 0;
        var cut = Render<ExperimentTable>(p => p
            .Add(t => t.Experiments, rows)
            .Add(t => t.BaselinesQueued, false)
            .Add(t => t.OnEvaluateBaselines, () => asked++));
        var button = Assert.Single(cut.FindAll(".evaluate-baselines"));
        Assert.Single(cut.FindAll($"tr[data-id='{Original}'] .evaluate-baselines"));
        Assert.Single(cut.FindAll("tr[data-id='b001'] .pending-spinner"));
        button.Click();
        Assert.Equal(1, asked);

        cut.Render(p => p.Add(t => t.BaselinesQueued, true));
        Assert.Empty(cut.FindAll(".evaluate-baselines"));
        Assert.Equal(2, cut.FindAll(".pending-spinner").Count);
    }
}
