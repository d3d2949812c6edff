namespace Unlearning.Tests.Web;

[Collection("Torch")]
public class ShellTests
{
    [Fact]
    public async Task Shell_page_is_served_and_lists_the_embedded_dataset()
    {
        using var app = new AppHost(kestrel: false);
        var html = await app.Client.GetStringAsync("/");
        Assert.Contains("Unlearning Comparator", html);
        Assert.Contains("Fashion-MNIST", html);
        Assert.Contains("_content/MudBlazor/MudBlazor.min.css", html);
        Assert.DoesNotContain("fonts.googleapis", html);
        Assert.True(File.Exists(Path.Combine(app.AppFolder, "unlearning.db")));
    }
}
