using Bunit;
using MudBlazor.Services;

namespace Unlearning.Tests.Web;

/// <summary>
/// bunit context with MudBlazor's services and loose JS interop (MudBlazor calls JS that bunit need not emulate).
/// Disposed asynchronously through <see cref="IAsyncLifetime"/>: some MudBlazor services are only IAsyncDisposable.
/// </summary>
public abstract class MudTestContext : BunitContext, IAsyncLifetime
{
    protected MudTestContext()
    {
        // WaitFor* default is 1 s; a test that is first to JIT MudBlazor's render path on a busy 2-core machine needs more.
        DefaultWaitTimeout = TimeSpan.FromSeconds(10);
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync();
}
