using Bunit;
using MudBlazor;

namespace Unlearning.Tests.Web.Components.RunsMap;

/// <summary>The runs map's "include stale" switch: shown only when a run is stale, and drawing stale runs faded when on.</summary>
public sealed class RunsMapViewTests : MudTestContext
{
    [Fact]
    public void Stale_runs_appear_faded_only_after_the_switch_is_turned_on()
    {
        var cut = Render<Unlearning.Web.Components.RunsMap.RunsMap>(p => p.Add(x => x.Experiments, RunsMapModelTests.StaleScenario()));
        Assert.Equal("2", cut.Find("svg.uc-runs-svg").GetAttribute("data-points"));
        Assert.Empty(cut.FindAll("g.uc-runs-stale"));
        Assert.Contains("Include 1 stale", cut.Find(".uc-runs-stale-toggle").TextContent);

        cut.Find(".uc-runs-stale-toggle input").Change(true);
        Assert.Equal("3", cut.Find("svg.uc-runs-svg").GetAttribute("data-points"));
        var stale = cut.Find("g.uc-runs-stale");
        Assert.Equal("0ld0", stale.GetAttribute("data-id"));
        Assert.Equal("0.45", stale.GetAttribute("opacity"));
        Assert.Contains("stale:", stale.QuerySelector("title")!.TextContent);
    }

    [Fact]
    public void Without_stale_runs_there_is_no_switch()
    {
        var runs = RunsMapModelTests.StaleScenario()[..2];
        var cut = Render<Unlearning.Web.Components.RunsMap.RunsMap>(p => p.Add(x => x.Experiments, runs));
        Assert.Empty(cut.FindAll(".uc-runs-stale-toggle"));
        Assert.Equal("2", cut.Find("svg.uc-runs-svg").GetAttribute("data-points"));
    }
}
