using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using Unlearning.Core.Experiments;

namespace Unlearning.Tests.Support;

/// <summary>
/// The one bUnit base of the component tests: MudBlazor's services, loose JS interop (MudBlazor and Plotly call JS
/// that bUnit need not emulate) and Core's results reader over an empty store (the comparison panels inject it; a
/// test that loads by id registers a reader over a real store instead). Disposed asynchronously through
/// <see cref="IAsyncLifetime"/>: some MudBlazor services are only IAsyncDisposable.
/// </summary>
public abstract class MudTestContext : BunitContext, IAsyncLifetime
{
    protected MudTestContext()
    {
        // WaitFor* default is 1 s; a test that is first to JIT MudBlazor's render path on a busy 2-core machine needs more.
        DefaultWaitTimeout = TimeSpan.FromSeconds(10);
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddSingleton(_ => new ExperimentResultsReader(new ExperimentStore(
            new PooledDbContextFactory<UnlearningDbContext>(new DbContextOptionsBuilder<UnlearningDbContext>().UseSqlite("Data Source=:memory:").Options),
            new ArtifactStore(Path.Combine(Path.GetTempPath(), "unlearning-view-tests-unused")), "")));
    }

    /// <summary>What a test set up outside the context (e.g. a temporary store), disposed after the context.</summary>
    protected List<IDisposable> Owned { get; } = [];

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        foreach (var d in Owned) d.Dispose();
    }
}
