using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Unlearning.Core.Experiments;
using Unlearning.Web.Identity;

namespace Unlearning.Tests.Web.Identity;

/// <summary>Shared mode over HTTP (docs/lab-identity.md): sign-in, roles, owners, tokens, lockout and the login rate limit.</summary>
public sealed class SharedModeTests : IDisposable
{
    private readonly SharedApp _app = new(("ada", "Admin"), ("rita", "Researcher"), ("rob", "Researcher"), ("vic", "Viewer"));

    public void Dispose() => _app.Dispose();

    private static async Task AssertProblem(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)status, body.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("detail").GetString()));
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private void AddExperiment(string id, string? owner) =>
        _app.Factory.Services.GetRequiredService<ExperimentStore>().Add(new Experiment
        {
            Id = id, Dataset = "fashion-mnist", Architecture = "compact", ForgetClass = 0, Type = ExperimentType.Unlearned, Method = "FineTuning",
            CreatedUtc = DateTime.UtcNow, Status = ExperimentStatus.Ready, Owner = owner,
        });

    [Fact]
    public async Task Hangfires_dashboard_opens_for_an_Admin_only()
    {
        var anonymous = await _app.NewClient().GetAsync("/hangfire");
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);   // to the sign-in form
        Assert.Contains("/account/login", anonymous.Headers.Location?.ToString());
        var viewer = await _app.SignedInClientAsync("vic");
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("/hangfire")).StatusCode);
        var researcher = await _app.SignedInClientAsync("rita");
        Assert.Equal(HttpStatusCode.Forbidden, (await researcher.GetAsync("/hangfire")).StatusCode);
        var admin = await _app.SignedInClientAsync("ada");
        var page = await admin.GetAsync("/hangfire");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Unlearning Comparator jobs (Hangfire)", await page.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Without_a_sign_in_pages_redirect_to_the_sign_in_form_and_the_api_answers_401()
    {
        using var client = _app.NewClient();
        var page = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("/account/login", page.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        var api = await client.GetAsync("/api/experiments");
        await AssertProblem(api, HttpStatusCode.Unauthorized);
        Assert.Contains("Bearer", api.Headers.WwwAuthenticate.ToString());
        await AssertProblem(await client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/api/experiments/x")), HttpStatusCode.Unauthorized);
        // The sign-in form itself is open.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/account/login")).StatusCode);
    }

    [Fact]
    public async Task A_sign_in_opens_the_app_and_a_wrong_password_does_not()
    {
        using var wrong = _app.NewClient();
        var refused = await SharedApp.SignInAsync(wrong, "vic", "not the password at all");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("Wrong user name or password", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, (await wrong.GetAsync("/")).StatusCode);

        using var client = await _app.SignedInClientAsync("vic");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/experiments?dataset=fashion-mnist&architecture=compact&forgetClass=0")).StatusCode);
    }

    [Fact]
    public async Task A_viewer_reads_but_cannot_build_import_delete_or_cancel()
    {
        AddExperiment("viewer-target", owner: "rita");
        using var viewer = await _app.SignedInClientAsync("vic");
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/experiments/viewer-target")).StatusCode);
        await AssertProblem(await viewer.PostAsync("/api/jobs", Json(new { kind = "evaluate", dataset = "fashion-mnist", forgetClass = 0 })), HttpStatusCode.Forbidden);
        await AssertProblem(await viewer.DeleteAsync("/api/experiments/viewer-target"), HttpStatusCode.Forbidden);
        await AssertProblem(await viewer.PostAsync("/api/experiments/import", Json(new { })), HttpStatusCode.Forbidden);
        await AssertProblem(await viewer.PostAsync("/api/jobs/1/cancel", null), HttpStatusCode.Forbidden);
        Assert.NotNull(_app.Factory.Services.GetRequiredService<ExperimentStore>().Get("viewer-target"));
        // Nor through a token: a Viewer gets read tokens only.
        await AssertProblem(await viewer.PostAsync("/api/tokens", Json(new { name = "nb", scope = "write" })), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Researchers_delete_and_cancel_only_their_own_and_admins_anything()
    {
        AddExperiment("ritas-model", owner: "rita");
        AddExperiment("robs-model", owner: "rob");
        AddExperiment("nobodys-model", owner: null);
        using var rita = await _app.SignedInClientAsync("rita");
        using var admin = await _app.SignedInClientAsync("ada");

        await AssertProblem(await rita.DeleteAsync("/api/experiments/robs-model"), HttpStatusCode.Forbidden);
        await AssertProblem(await rita.DeleteAsync("/api/experiments/nobodys-model"), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.NoContent, (await rita.DeleteAsync("/api/experiments/ritas-model")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/api/experiments/robs-model")).StatusCode);
        var store = _app.Factory.Services.GetRequiredService<ExperimentStore>();
        Assert.Null(store.Get("ritas-model"));
        Assert.Null(store.Get("robs-model"));
        Assert.NotNull(store.Get("nobodys-model"));

        // The job records who queued it (the worker is off, so it stays queued); only its owner or an admin cancels it.
        var created = await rita.PostAsync("/api/jobs", Json(new { kind = "evaluate", dataset = "fashion-mnist", forgetClass = 0 }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var job = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobs")[0];
        Assert.Equal("rita", job.GetProperty("owner").GetString());
        long id = job.GetProperty("id").GetInt64();
        using var rob = await _app.SignedInClientAsync("rob");
        await AssertProblem(await rob.PostAsync($"/api/jobs/{id}/cancel", null), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.Accepted, (await rita.PostAsync($"/api/jobs/{id}/cancel", null)).StatusCode);
    }

    [Fact]
    public async Task An_import_records_the_importer_as_owner()
    {
        using var rita = await _app.SignedInClientAsync("rita");
        var created = await rita.PostAsync("/api/experiments/import?dataset=fashion-mnist&architecture=compact",
            new StringContent(ImportFixtures.Valid(id: "ritas-import").ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var row = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("rita", row.GetProperty("owner").GetString());
        Assert.Equal("rita", _app.Factory.Services.GetRequiredService<ExperimentStore>().Get(row.GetProperty("id").GetString()!)!.Owner);
        using var rob = await _app.SignedInClientAsync("rob");
        await AssertProblem(await rob.DeleteAsync($"/api/experiments/{row.GetProperty("id").GetString()}"), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_token_works_for_the_api_is_stored_hashed_and_stops_working_when_revoked()
    {
        AddExperiment("token-target", owner: "rita");
        using var rita = await _app.SignedInClientAsync("rita");
        var created = await rita.PostAsync("/api/tokens", Json(new { name = "notebook", scope = "write" }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var token = body.GetProperty("token").GetString()!;
        long tokenId = body.GetProperty("info").GetProperty("id").GetInt64();

        using var script = _app.Factory.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        script.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.OK, (await script.GetAsync("/api/experiments/token-target")).StatusCode);
        // A token cannot mint tokens.
        await AssertProblem(await script.PostAsync("/api/tokens", Json(new { name = "more", scope = "read" })), HttpStatusCode.Forbidden);

        // At rest: only the SHA-256 of the token.
        using (var scope = _app.Factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<LabIdentityDbContext>();
            var row = await db.PersonalAccessTokens.SingleAsync(t => t.Id == tokenId);
            Assert.Equal(TokenService.HashOf(token), row.Hash);
            Assert.DoesNotContain(token[TokenService.Prefix.Length..], row.Hash);
        }
        var dbBytes = await File.ReadAllBytesAsync(Path.Combine(_app.AppFolder, "unlearning.db"));
        Assert.DoesNotContain(token, Encoding.UTF8.GetString(dbBytes));

        Assert.Equal(HttpStatusCode.NoContent, (await rita.DeleteAsync($"/api/tokens/{tokenId}")).StatusCode);
        await AssertProblem(await script.GetAsync("/api/experiments/token-target"), HttpStatusCode.Unauthorized);
        // A made-up token is refused the same way.
        script.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenService.Prefix + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        await AssertProblem(await script.GetAsync("/api/experiments"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_read_token_reads_but_cannot_delete_even_for_an_admin()
    {
        AddExperiment("admins-model", owner: "ada");
        using var admin = await _app.SignedInClientAsync("ada");
        var token = (await (await admin.PostAsync("/api/tokens", Json(new { name = "ro", scope = "read" }))).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
        using var script = _app.Factory.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        script.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.OK, (await script.GetAsync("/api/experiments/admins-model")).StatusCode);
        await AssertProblem(await script.DeleteAsync("/api/experiments/admins-model"), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_and_the_login_form_is_rate_limited()
    {
        using var client = _app.NewClient();
        for (int i = 0; i < 5; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await SharedApp.SignInAsync(client, "rob", $"wrong password number {i}")).StatusCode);
        var locked = await SharedApp.SignInAsync(client, "rob");   // the right password, too late
        Assert.Equal(HttpStatusCode.Unauthorized, locked.StatusCode);
        Assert.Contains("locked", await locked.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/")).StatusCode);

        // The form allows 10 attempts a minute per client address; the eleventh is refused before any password check.
        HttpStatusCode last = default;
        for (int i = 0; i < 6 && last != HttpStatusCode.TooManyRequests; i++) last = (await SharedApp.SignInAsync(client, "vic", "guess " + i)).StatusCode;
        Assert.Equal(HttpStatusCode.TooManyRequests, last);
    }

    [Fact]
    public async Task The_sign_in_form_refuses_a_post_without_its_antiforgery_field_and_never_redirects_off_site()
    {
        using var client = _app.NewClient();
        var forged = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["UserName"] = "ada", ["Password"] = SharedApp.Password }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal("/", Unlearning.Web.Security.AccountEndpoints.SafeReturnUrl("//evil.example/x"));
        Assert.Equal("/", Unlearning.Web.Security.AccountEndpoints.SafeReturnUrl("https://evil.example/"));
        Assert.Equal("/", Unlearning.Web.Security.AccountEndpoints.SafeReturnUrl("/\\evil.example"));
        Assert.Equal("/?dataset=cifar10", Unlearning.Web.Security.AccountEndpoints.SafeReturnUrl("/?dataset=cifar10"));
    }

    [Fact]
    public async Task The_openapi_document_declares_the_bearer_scheme()
    {
        using var client = await _app.SignedInClientAsync("vic");
        var doc = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var scheme = doc.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer");
        Assert.Equal("http", scheme.GetProperty("type").GetString());
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());
        Assert.True(doc.GetProperty("security")[0].TryGetProperty("bearer", out _));
    }
}
