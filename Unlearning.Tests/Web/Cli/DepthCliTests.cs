using Unlearning.Web.Cli;

namespace Unlearning.Tests.Web.Cli;

/// <summary>The <c>depth</c> verb: help names its options; a bad class or a missing checkpoint is a one-line error with exit 2.</summary>
public sealed class DepthCliTests
{
    private static async Task<(int Exit, string Output)> Run(params string[] args)
    {
        var output = new StringWriter();
        var exit = await CommandLine.RunAsync(args, output);
        return (exit, output.ToString());
    }

    [Fact]
    public async Task Depth_verb_has_help_and_is_listed()
    {
        var (exit, output) = await Run("depth", "--help");
        Assert.Equal(0, exit);
        foreach (var option in new[] { "--dataset", "--arch", "--class", "--checkpoint", "--device", "--threads", "--data" }) Assert.Contains(option, output);
        Assert.Contains("depth", (await Run("help")).Output);
    }

    [Theory]
    [InlineData("depth --class 10", "Class 10 is outside 0..9")]
    [InlineData("depth --checkpoint /nonexistent/model.pt", "No such checkpoint")]
    public async Task Bad_requests_exit_2_with_the_reason(string args, string message)
    {
        var (exit, output) = await Run(args.Split(' '));
        Assert.Equal(2, exit);
        Assert.Contains(message, output);
    }
}
