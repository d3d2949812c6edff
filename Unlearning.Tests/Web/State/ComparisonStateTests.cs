using Unlearning.Web.State;

namespace Unlearning.Tests.Web.State;

public class ComparisonStateTests
{
    private static ComparisonState FromQuery(params (string Key, string Value)[] q)
    {
        var s = new ComparisonState();
        s.Apply(k => q.FirstOrDefault(x => x.Key == k).Value);
        return s;
    }

    [Fact]
    public void Url_round_trip_keeps_tabs_active_class_models_and_view()
    {
        var s = FromQuery(("dataset", "fashion-mnist"), ("architecture", "compact"), ("forgetClass", "3,1,7"), ("modelA", "b001"), ("modelB", "a003-x"), ("view", "attack"));
        Assert.Equal([1, 3, 7], s.OpenForgetClasses);
        Assert.Equal(3, s.ActiveForgetClass);
        Assert.Equal(ComparisonView.Attack, s.View);
        var q = s.ToQuery();
        Assert.Equal("3,1,7", q["forgetClass"]);
        Assert.Equal("b001", q["modelA"]);
        Assert.Equal("attack", q["view"]);
        var again = FromQuery([.. q.Where(kv => kv.Value is not null).Select(kv => (kv.Key, kv.Value!.ToString()!))]);
        Assert.Equal(s.ToQuery(), again.ToQuery());
    }

    [Fact]
    public void Malformed_values_fall_back_to_defaults()
    {
        var s = FromQuery(("dataset", "nope"), ("forgetClass", "x,42,-1"), ("modelA", "m"), ("modelB", "m"));
        Assert.Equal("fashion-mnist", s.Dataset);
        Assert.Empty(s.OpenForgetClasses);
        Assert.Null(s.ActiveForgetClass);
        Assert.Null(s.ModelA);
        Assert.Null(s.ToQuery()["forgetClass"]);
    }

    [Fact]
    public void Closing_the_active_tab_activates_the_first_remaining()
    {
        var s = new ComparisonState();
        s.OpenForgetClass(2);
        s.OpenForgetClass(5);
        s.OpenForgetClass(1);
        s.ModelA = "x";
        s.CloseForgetClass(1);
        Assert.Equal(2, s.ActiveForgetClass);
        Assert.Null(s.ModelA);
        s.CloseForgetClass(5);
        Assert.Equal(2, s.ActiveForgetClass);
        s.CloseForgetClass(2);
        Assert.Null(s.ActiveForgetClass);
    }
}
