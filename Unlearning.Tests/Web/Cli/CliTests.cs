using System.Diagnostics;
using Unlearning.Web.Cli;

namespace Unlearning.Tests.Web.Cli;

/// <summary>The command-line verbs of the web host: help for every verb, typed options, clear errors.</summary>
public sealed class CliTests
{
    private static async Task<(int Exit, string Output)> Run(params string[] args)
    {
        var output = new StringWriter();
        var exit = await CommandLine.RunAsync(args, output);
        return (exit, output.ToString());
    }

    [Theory]
    [InlineData("train-baselines", "--dataset", "--arch", "--classes", "--no-original", "--epochs", "--lr", "--batch", "--seed", "--schedule", "--warmup", "--label-smoothing", "--augment", "--device", "--threads", "--out", "--data")]
    [InlineData("benchmark", "--dataset", "--arch", "--batches", "--class", "--dump", "--device", "--threads", "--data")]
    [InlineData("benchmark-methods", "--dataset", "--arch", "--classes", "--methods", "--seeds", "--hp.NAME", "--track-epoch-metrics", "--device", "--threads", "--data")]
    [InlineData("benchmark-privacy", "--dataset", "--arch", "--app", "--forget-set", "--k", "--methods", "--depth", "--device", "--threads", "--data")]
    [InlineData("forget-set", "--dataset", "--kind", "--class", "--count", "--percent", "--seed", "--unstratified", "--file", "--label", "--out", "--data")]
    public async Task Every_verb_has_help_that_names_its_options(string verb, params string[] options)
    {
        var (exit, output) = await Run(verb, "--help");
        Assert.Equal(0, exit);
        Assert.Contains(verb, output);
        foreach (var option in options) Assert.Contains(option, output);
    }

    [Fact]
    public async Task The_help_verb_lists_every_verb()
    {
        var (exit, output) = await Run("help");
        Assert.Equal(0, exit);
        foreach (var verb in new[] { "train-baselines", "benchmark", "benchmark-methods", "benchmark-privacy", "forget-set" }) Assert.Contains(verb, output);
    }

    [Theory]
    [InlineData("benchmark --dataset mnist", "Unknown dataset 'mnist'")]
    [InlineData("train-baselines --classes 1,x", "'x'")]
    [InlineData("train-baselines --classes 10 --no-original", "Class 10 is outside 0..9")]
    [InlineData("benchmark-methods --classes 0 --hp.epochs", "--hp.epochs needs a value")]
    [InlineData("forget-set --kind random --percent 150", "percent")]
    [InlineData("benchmark-privacy --k 2", "K (models per side) must be between 4 and 32")]
    [InlineData("benchmark-privacy --dataset mnist", "Unknown dataset 'mnist'")]
    [InlineData("forget-set --kind sometimes", "Unknown --kind 'sometimes'")]
    [InlineData("forget-set --kind list", "--kind list needs --file")]
    [InlineData("benchmark-methods --classes 0 --colour red", "'--colour'")]
    [InlineData("benchmark-methods --classes al", "'al'")]
    [InlineData("benchmark-methods --classes 0 --seeds 1,two", "'two'")]
    public async Task Invalid_requests_exit_2_with_one_line_and_no_stack_trace(string commandLine, string message)
    {
        var (exit, output) = await Run(commandLine.Split(' '));
        Assert.Equal(2, exit);
        Assert.Contains("error: " , output);
        Assert.Contains(message, output);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public async Task A_malformed_option_value_is_a_parse_error()
    {
        var (exit, output) = await Run("benchmark", "--batches", "many");
        Assert.Equal(1, exit);
        Assert.Contains("many", output);
    }

    [Fact]
    public void Hyperparameter_flags_become_a_name_to_text_dictionary()
    {
        var hp = CommandLine.HyperparameterFlags(["--hp.epochs", "3", "--hp.learning_rate", "0.01"]);
        Assert.Equal(new Dictionary<string, string> { ["epochs"] = "3", ["learning_rate"] = "0.01" }, hp);
        Assert.Throws<ArgumentException>(() => CommandLine.HyperparameterFlags(["--hp.", "3"]));
    }

    [Theory]
    [InlineData("train-baselines", "--no-original")]
    [InlineData("benchmark", "--batches")]
    [InlineData("benchmark-methods", "--methods")]
    public async Task The_app_runs_a_verb_without_starting_the_server(string verb, string option)
    {
        // The real entry point (Program.cs) as a user starts it: the verb's help, exit code 0, no web host.
        var start = new ProcessStartInfo("dotnet", [typeof(Program).Assembly.Location, verb, "--help"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000), "the verb did not end");
        Assert.Equal(0, process.ExitCode);
        Assert.Contains(option, output);
        Assert.DoesNotContain("Now listening", output + error);
    }

    /// <summary>The verb draws what the app draws: the same id and size as <c>POST /api/forget-sets</c> (ForgetSetsApiTests pins size and strata).</summary>
    [Fact]
    public async Task Forget_set_prints_the_apps_id_and_writes_the_indexes()
    {
        var file = Path.Combine(TestData.TempFolder(), "set.csv");
        var (exit, output) = await Run("forget-set", "--kind", "random", "--percent", "10", "--seed", "1", "--out", file);
        Assert.True(exit == 0, output);
        var labels = new Unlearning.Core.Data.DatasetLoader(Unlearning.Core.DataPaths.ResolveDataRoot("data")).Load("fashion-mnist").Train.Labels;
        var expected = Unlearning.Core.Data.ForgetSets.Draw(new() { Kind = Unlearning.Core.Data.ForgetSetKind.Random, Percent = 10, Seed = 1 }, labels, 10);
        Assert.Contains($"id      {Unlearning.Core.Data.ForgetSets.IdFor("fashion-mnist", Unlearning.Core.Data.ForgetSetKind.Random, expected)}", output);
        Assert.Contains("size    6000 of 60000", output);
        Assert.Contains("T-shirt 600", output);
        Assert.Equal(expected, File.ReadAllLines(file).Skip(1).Select(int.Parse));
    }
}
