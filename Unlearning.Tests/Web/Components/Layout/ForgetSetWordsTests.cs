using Unlearning.Core.Data;
using Unlearning.Core.Experiments;
using Unlearning.Web.Components.Layout;

namespace Unlearning.Tests.Web.Components.Layout;

public class ForgetSetWordsTests
{
    private static readonly DatasetInfo Fmnist = DatasetCatalog.FashionMnist;

    [Fact]
    public void Each_kind_of_forget_set_is_stated_in_words()
    {
        Assert.Equal("Forgetting class Trouser: 6,000 images of Fashion-MNIST training data",
            ForgetSetWords.Describe(new ForgetSetInfo("class-1", Fmnist.Id, ForgetSetKind.Class, "Trouser", 6000, 1, null, null, null, false), Fmnist));
        Assert.Equal("Forgetting 10 % of the training set, stratified (6,000 images, seed 1)",
            ForgetSetWords.Describe(new ForgetSetInfo("s1", Fmnist.Id, ForgetSetKind.Random, "random", 6000, null, null, 10, 1, true), Fmnist));
        Assert.Equal("Forgetting 500 images drawn at random from the training set (seed 7)",
            ForgetSetWords.Describe(new ForgetSetInfo("s2", Fmnist.Id, ForgetSetKind.Random, "random", 500, null, 500, null, 7, false), Fmnist));
        Assert.Equal("Forgetting 1 image of class Shirt (seed 3)",
            ForgetSetWords.Describe(new ForgetSetInfo("s3", Fmnist.Id, ForgetSetKind.SubClass, "Shirt", 1, 6, 1, null, 3, false), Fmnist));
        Assert.Equal("Forgetting an uploaded list of 120 images",
            ForgetSetWords.Describe(new ForgetSetInfo("s4", Fmnist.Id, ForgetSetKind.IndexList, "upload", 120, null, null, null, null, false), Fmnist));
    }
}
