using Microsoft.Playwright;

namespace Unlearning.Tests.Web.Browser;

/// <summary>What a <see cref="BrowserSession"/> records as a browser error.</summary>
[Flags]
internal enum BrowserChecks
{
    /// <summary>Nothing: the page is expected to log errors (e.g. refused cross-site requests).</summary>
    None = 0,
    /// <summary><c>console.error</c> messages.</summary>
    ConsoleErrors = 1,
    /// <summary>Uncaught exceptions in the page.</summary>
    PageErrors = 2,
    /// <summary>Requests that failed at the network level (aborted, refused).</summary>
    FailedRequests = 4,
    /// <summary>Responses with a status of 400 or more.</summary>
    HttpErrors = 8,
    /// <summary>What every view must be free of: console errors and page errors.</summary>
    Default = ConsoleErrors | PageErrors,
    All = ConsoleErrors | PageErrors | FailedRequests | HttpErrors,
}

/// <summary>
/// One headless page of Debian's chromium (no browser download) with the listeners every browser test needs: the errors
/// chosen by <see cref="BrowserChecks"/> are collected and <see cref="AssertNoErrors"/> fails with all of them. Timeouts are
/// 60 s: the app shares two cores with training and evaluation, and times that matter are measured and reported instead.
/// </summary>
internal sealed class BrowserSession : IAsyncDisposable
{
    internal static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    private readonly List<string> errors = [];
    private readonly IPlaywright playwright;
    private readonly IBrowser browser;

    private BrowserSession(IPlaywright playwright, IBrowser browser, IPage page) => (this.playwright, this.browser, Page) = (playwright, browser, page);

    public IPage Page { get; }

    /// <summary>The errors collected so far (a copy).</summary>
    public IReadOnlyList<string> Errors { get { lock (errors) return [.. errors]; } }

    public static async Task<BrowserSession> OpenAsync(int width = 1600, int height = 1000, BrowserChecks checks = BrowserChecks.Default)
    {
        var pw = await Playwright.CreateAsync();
        IBrowser? browser = null;
        try
        {
            browser = await pw.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ChromiumArgs });
            var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = width, Height = height } });
            page.SetDefaultTimeout(60_000);
            // Expect's own default is 5 s: too short for a circuit that shares two cores with an evaluation.
            Assertions.SetDefaultExpectTimeout(60_000);
            var session = new BrowserSession(pw, browser, page);
            session.Listen(checks);
            return session;
        }
        catch
        {
            if (browser is not null) await browser.DisposeAsync();
            pw.Dispose();
            throw;
        }
    }

    private void Listen(BrowserChecks checks)
    {
        if (checks.HasFlag(BrowserChecks.ConsoleErrors))
            Page.Console += (_, m) => { if (m.Type == "error") Add($"console: {m.Text}"); };
        if (checks.HasFlag(BrowserChecks.PageErrors))
            Page.PageError += (_, e) => Add($"page error: {e}");
        if (checks.HasFlag(BrowserChecks.FailedRequests))
            Page.RequestFailed += (_, r) => Add($"failed request: {r.Url} {r.Failure}");
        if (checks.HasFlag(BrowserChecks.HttpErrors))
            Page.Response += (_, r) => { if (r.Status >= 400) Add($"HTTP {r.Status}: {r.Url}"); };
    }

    private void Add(string error) { lock (errors) errors.Add(error); }

    /// <summary>Fails with every collected error (<paramref name="context"/> names the step, e.g. the window size).</summary>
    public void AssertNoErrors(string? context = null)
    {
        var seen = Errors;
        Assert.True(seen.Count == 0, $"Browser errors{(context is null ? "" : $" ({context})")}: " + string.Join(" | ", seen));
    }

    /// <summary>
    /// Runs <paramref name="check"/> (page, width, height) once per window size in this one browser, each size after a viewport
    /// change, then fails on any error collected so far, naming the size (a late console error gets half a second to arrive).
    /// </summary>
    public async Task ForEachSizeAsync(IEnumerable<(int Width, int Height)> sizes, Func<IPage, int, int, Task> check)
    {
        foreach (var (width, height) in sizes)
        {
            await Page.SetViewportSizeAsync(width, height);
            await check(Page, width, height);
            await Task.Delay(500);
            AssertNoErrors($"{width}×{height}");
        }
    }

    /// <summary>Two animation frames, so that layout and charts have settled.</summary>
    public static Task NextFramesAsync(IPage page) => page.EvaluateAsync("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))");

    /// <summary>
    /// The page neither scrolls down nor sideways; prints the sizes and returns them: scroll height, window height, scroll
    /// width, window width.
    /// </summary>
    public static async Task<double[]> AssertNoPageScrollAsync(IPage page, string label)
    {
        var dims = await page.EvaluateAsync<double[]>("() => [document.scrollingElement.scrollHeight, window.innerHeight, document.scrollingElement.scrollWidth, window.innerWidth]");
        Console.WriteLine($"{label}: page scroll height {dims[0]} (window {dims[1]}), scroll width {dims[2]} (window {dims[3]})");
        Assert.True(dims[0] <= dims[1], $"{label}: the page scrolls ({dims[0]} > {dims[1]})");
        Assert.True(dims[2] <= dims[3], $"{label}: the page scrolls sideways ({dims[2]} > {dims[3]})");
        return dims;
    }

    public async ValueTask DisposeAsync()
    {
        await browser.DisposeAsync();
        playwright.Dispose();
    }
}
