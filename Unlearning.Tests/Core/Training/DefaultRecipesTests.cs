using Unlearning.Core.Data;
using Unlearning.Core.Models;
using Unlearning.Core.Training;

namespace Unlearning.Tests.Core.Training;

/// <summary>The training recipe table that moved from the model catalogue to Training/ gives the same recipes.</summary>
public class DefaultRecipesTests
{
    [Fact]
    public void Each_architecture_keeps_its_recipe()
    {
        var fashion = DatasetCatalog.All[0];
        Assert.Equal(15, ModelCatalog.Compact.DefaultRecipe(fashion).Epochs);
        Assert.Equal(TrainOptions.CompactDefaults, ModelCatalog.Compact.DefaultRecipe(fashion));
        Assert.Equal(200, ModelCatalog.ResNet18.DefaultRecipe(fashion).Epochs);
        Assert.Equal(TrainOptions.ResNet18Defaults, DefaultRecipes.For("ResNet18"));
    }

    [Fact]
    public void Every_catalogued_architecture_has_a_recipe_and_an_unknown_one_is_refused()
    {
        Assert.All(ModelCatalog.All, a => DefaultRecipes.For(a.Id).Validate());
        Assert.Throws<ArgumentException>(() => DefaultRecipes.For("not-an-architecture"));
    }
}
