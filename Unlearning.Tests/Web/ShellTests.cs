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
        Assert.Matches(@"_content/MudBlazor/MudBlazor\.min\.([a-z0-9]+\.)?css", html);   // fingerprinted by MapStaticAssets
        Assert.DoesNotContain("fonts.googleapis", html);
        Assert.True(File.Exists(Path.Combine(app.AppFolder, "unlearning.db")));
    }
}
