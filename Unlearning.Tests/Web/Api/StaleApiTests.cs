using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Unlearning.Core.Experiments;

namespace Unlearning.Tests.Web.Api;

/// <summary>The experiment JSON's <c>stale</c> and <c>staleReason</c> (docs/results-format.md, "Stale results"), on the shipped baselines.</summary>
public sealed class StaleApiTests : IDisposable
{
    private readonly AppHost _app = new(kestrel: false);

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task Rows_measured_against_a_replaced_Original_are_stale_with_the_reason()
    {
        var store = _app.Factory.Services.GetRequiredService<ExperimentStore>();
        var original = store.Get(ExperimentIds.Original("fashion-mnist", "compact", 6))!;
        Assert.NotNull(original.CheckpointSha256);
        Experiment Run(string id, string? refO) => new()
        {
            Id = id, Dataset = "fashion-mnist", Architecture = "compact", ForgetClass = 6, ForgetSetId = "class-6", Type = ExperimentType.Unlearned,
            BaseId = original.Id, Method = "FineTuning", Seed = 1, UA = 0.1, RA = 0.9, Status = ExperimentStatus.Ready, CreatedUtc = DateTime.UtcNow,
            ReferenceOriginalSha256 = refO,
        };
        store.Add(Run("5a1e", new string('0', 64)));
        store.Add(Run("c0de", original.CheckpointSha256));

        var rows = await _app.Client.GetFromJsonAsync<JsonElement[]>("/api/experiments?dataset=fashion-mnist&architecture=compact&forgetClass=6");
        var byId = rows!.ToDictionary(r => r.GetProperty("id").GetString()!);
        Assert.True(byId["5a1e"].GetProperty("stale").GetBoolean());
        Assert.Contains("Built from an earlier Original model (00000000)", byId["5a1e"].GetProperty("staleReason").GetString());
        Assert.False(byId["c0de"].GetProperty("stale").GetBoolean());
        Assert.Equal(JsonValueKind.Null, byId["c0de"].GetProperty("staleReason").ValueKind);
        Assert.False(byId[original.Id].GetProperty("stale").GetBoolean());

        var one = await _app.Client.GetFromJsonAsync<JsonElement>("/api/experiments/5a1e");
        Assert.True(one.GetProperty("stale").GetBoolean());
        Assert.Equal(byId["5a1e"].GetProperty("staleReason").GetString(), one.GetProperty("staleReason").GetString());
    }
}
