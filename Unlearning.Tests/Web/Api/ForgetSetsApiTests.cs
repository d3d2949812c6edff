using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Unlearning.Tests.Web.Api;

/// <summary><c>/api/forget-sets</c> and forget sets with seed lists in <c>/api/jobs</c> (docs/forget-sets.md, "In the app").</summary>
[Collection("Torch")]
public sealed class ForgetSetsApiTests : IDisposable
{
    private readonly AppHost _app = new(kestrel: false);
    private HttpClient Client => _app.Client;

    public void Dispose() => _app.Dispose();

    private static async Task<string> Detail(HttpResponseMessage r)
    {
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        var text = await r.Content.ReadAsStringAsync();
        Assert.DoesNotContain("   at ", text);
        return JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString()!;
    }

    private async Task<int> SampleSetCount() =>
        (await Client.GetFromJsonAsync<JsonElement>("/api/forget-sets?dataset=fashion-mnist")).EnumerateArray().Count(s => s.GetProperty("kind").GetString() != "Class");

    [Fact]
    public async Task A_random_set_is_drawn_once_listed_and_used_by_seed_list_jobs()
    {
        var r = await Client.PostAsJsonAsync("/api/forget-sets", new { dataset = "fashion-mnist", kind = "random", percent = 10, seed = 1 });
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        var set = await r.Content.ReadFromJsonAsync<JsonElement>();
        var id = set.GetProperty("id").GetString()!;
        Assert.Matches("^s[0-9a-f]{10}$", id);
        Assert.Equal(6000, set.GetProperty("size").GetInt32());
        Assert.Equal("random 10 % · seed 1", set.GetProperty("name").GetString());
        // The same draw again is the same set, not a second one.
        var again = await (await Client.PostAsJsonAsync("/api/forget-sets", new { dataset = "fashion-mnist", kind = "random", percent = 10, seed = 1 })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(id, again.GetProperty("id").GetString());
        var all = await Client.GetFromJsonAsync<JsonElement>("/api/forget-sets?dataset=fashion-mnist");
        Assert.Equal(11, all.GetArrayLength());   // ten class sets and this one
        Assert.Equal("class-6", all[6].GetProperty("id").GetString());
        Assert.Equal(6000, all[6].GetProperty("size").GetInt32());

        // Stratified over Fashion-MNIST's ten classes of 6,000 train images: 600 of each.
        var withIndexes = await Client.GetFromJsonAsync<JsonElement>($"/api/forget-sets/{id}?dataset=fashion-mnist&includeIndexes=true");
        var indexes = withIndexes.GetProperty("indexes").EnumerateArray().Select(x => x.GetInt32()).ToArray();
        Assert.Equal(indexes.Order(), indexes);
        Assert.Equal(6000, indexes.Distinct().Count());
        var labels = _app.Factory.Services.GetRequiredService<Unlearning.Core.Data.DatasetLoader>().Load("fashion-mnist").Train.Labels;
        Assert.All(indexes.GroupBy(i => labels[i]), g => Assert.Equal(600, g.Count()));

        // Three seeds: three jobs of one group, each with the forget set.
        var jobs = await Client.PostAsJsonAsync("/api/jobs", new { method = "FineTuning", forgetSet = id, seed = new[] { 1, 2, 3 } });
        Assert.Equal(HttpStatusCode.Created, jobs.StatusCode);
        var created = (await jobs.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobs").EnumerateArray().ToList();
        Assert.Equal(3, created.Count);
        Assert.Equal([1L, 2L, 3L], created.Select(j => j.GetProperty("seed").GetInt64()));
        Assert.All(created, j => Assert.Equal(id, j.GetProperty("forgetSet").GetString()));
        foreach (var j in created) await Client.PostAsync($"/api/jobs/{j.GetProperty("id").GetInt64()}/cancel", null);

        var classWise = await Client.PostAsJsonAsync("/api/jobs", new { method = "BoundaryShrink", forgetSet = id });
        Assert.Equal(HttpStatusCode.BadRequest, classWise.StatusCode);
        Assert.Contains("whole classes", await Detail(classWise));

        // Wait for the cancellations to land, then the set (no models of it) can be deleted; a class set cannot.
        for (int i = 0; i < 300 && (await Client.GetFromJsonAsync<JsonElement>("/api/jobs")).EnumerateArray().Any(j => j.GetProperty("status").GetString() is "Queued" or "Running"); i++)
            await Task.Delay(200);
        Assert.Equal(HttpStatusCode.Conflict, (await Client.DeleteAsync("/api/forget-sets/class-3?dataset=fashion-mnist")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"/api/forget-sets/{id}?dataset=fashion-mnist")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync($"/api/forget-sets/{id}?dataset=fashion-mnist")).StatusCode);
    }

    [Theory]
    [InlineData("{\"kind\":\"magic\"}", "magic")]
    [InlineData("{\"kind\":\"random\"}", "percent")]
    [InlineData("{\"kind\":\"random\",\"percent\":-5}", "percent")]
    [InlineData("{\"kind\":\"random\",\"percent\":100}", "percent")]
    [InlineData("{\"kind\":\"random\",\"count\":10,\"percent\":5}", "not both")]
    [InlineData("{\"kind\":\"random\",\"count\":60000}", "count")]
    [InlineData("{\"kind\":\"subclass\",\"class\":10,\"count\":5}", "class")]
    [InlineData("{\"kind\":\"random\",\"count\":5,\"seed\":-1}", "seed")]
    [InlineData("{\"kind\":\"indexList\",\"indexes\":[1,2,2]}", "twice")]
    [InlineData("{\"kind\":\"indexList\",\"indexes\":[60000]}", "out of range")]
    [InlineData("{\"kind\":\"indexList\",\"indexes\":[]}", "empty")]
    [InlineData("{\"kind\":\"random\",\"count\":5,\"dataset\":\"nope\"}", "nope")]
    public async Task Bad_forget_sets_are_refused_and_nothing_is_stored(string body, string message)
    {
        var r = await Client.PostAsync("/api/forget-sets", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Contains(message, await Detail(r), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, await SampleSetCount());
    }

    [Fact]
    public async Task An_index_list_file_is_checked_before_it_is_stored()
    {
        async Task<HttpResponseMessage> Upload(string text, string name = "list.csv") => await Client.PostAsync("/api/forget-sets", new MultipartFormDataContent
        {
            { new StringContent(text), "file", name },
            { new StringContent("fashion-mnist"), "dataset" },
            { new StringContent("my list"), "label" },
        });
        var duplicate = await Upload("index\n5\n9\n5\n");
        Assert.Equal(HttpStatusCode.BadRequest, duplicate.StatusCode);
        Assert.Contains("twice", await Detail(duplicate));
        var huge = await Upload(new string('1', Unlearning.Core.Data.ForgetSets.MaxIndexListBytes + 10));
        Assert.True(huge.StatusCode is HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.BadRequest, $"{huge.StatusCode}");
        Assert.Equal(0, await SampleSetCount());
        // Form-encoded bodies are refused (a cross-site form could send them).
        var form = await Client.PostAsync("/api/forget-sets", new FormUrlEncodedContent(new Dictionary<string, string> { ["kind"] = "random" }));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);

        var ok = await Upload("[3, 1, 2]", "list.json");
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        var set = await ok.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(3, set.GetProperty("size").GetInt32());
        Assert.Contains("my list", set.GetProperty("name").GetString());
        var stored = await Client.GetFromJsonAsync<JsonElement>($"/api/forget-sets/{set.GetProperty("id").GetString()}?dataset=fashion-mnist&includeIndexes=true");
        Assert.Equal([1, 2, 3], stored.GetProperty("indexes").EnumerateArray().Select(x => x.GetInt32()));
    }
}
