using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Unlearning.Core.Evaluation;
using Unlearning.Core.Experiments;

namespace Unlearning.Tests.Web.Browser;

/// <summary>
/// The Contrast and Attack views' browser-side interaction (linked embedding hover, dragging the attack threshold) in a
/// real browser, on experiments seeded straight into the store: Fashion-MNIST with the ResNet-18 architecture, for
/// which no baselines ship, so nothing is trained or evaluated and the test takes seconds, not minutes.
/// </summary>
[Collection("Torch")]
public class ComparisonBrowserTests
{
    private const int ForgetClass = 1, Points = 2000, AttackValues = 200;
    private const string Dataset = "fashion-mnist", Architecture = "resnet18", ModelA = "5e1a", ModelB = "6f2b";

    [Fact]
    public async Task Linked_embedding_hover_threshold_drag_attack_hover_and_pan_work_in_the_browser()
    {
        using var app = new AppHost();
        Seed(app);
        await using var session = await BrowserSession.OpenAsync();
        var page = session.Page;
        int framesSent = 0;
        page.WebSocket += (_, ws) => ws.FrameSent += (_, _) => Interlocked.Increment(ref framesSent);
        try
        {
            await page.GotoAsync($"{app.BaseUrl}/?dataset={Dataset}&architecture={Architecture}&forgetClass={ForgetClass}&modelA={ModelA}&modelB={ModelB}");
            var plots = page.Locator(".uc-embedding-plot");
            await Assertions.Expect(plots).ToHaveCountAsync(2);
            // Both plots drawn by Plotly with the subset points, and the linked hover attached to both.
            await page.WaitForFunctionAsync($"() => ['uc-embedding-a', 'uc-embedding-b'].every(id => {{ const gd = document.getElementById(id); return gd && gd.__ucLinkHandlers && gd.data && gd.data[0].x.length === {Points}; }})");

            // The point of plot A farthest from its nearest neighbour, so the mouse placed on it hovers exactly it.
            var target = await page.EvaluateAsync<double[]>(@"() => {
                const gd = document.getElementById('uc-embedding-a'), t = gd.data[0], xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
                const r = gd.getBoundingClientRect();
                const px = t.x.map((x, i) => [r.left + xa._offset + xa.l2p(x), r.top + ya._offset + ya.l2p(t.y[i])]);
                let best = -1, bestGap = 0;
                for (let i = 0; i < px.length; i++) {
                    let gap = Infinity;
                    for (let j = 0; j < px.length; j++) if (j !== i) gap = Math.min(gap, Math.hypot(px[j][0] - px[i][0], px[j][1] - px[i][1]));
                    if (gap > bestGap) { best = i; bestGap = gap; }
                }
                return best < 0 || bestGap < 2 ? null : [px[best][0], px[best][1], t.customdata[best][0]]; }");
            Assert.NotNull(target);
            int img = (int)target[2];

            await page.Mouse.MoveAsync(10, 10);
            await Task.Delay(500);
            int framesBefore = Volatile.Read(ref framesSent);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await page.Mouse.MoveAsync((float)target[0], (float)target[1]);
            var pair = page.Locator(".uc-embedding-pair");
            await Assertions.Expect(pair).ToHaveAttributeAsync("data-linked-img", img.ToString(System.Globalization.CultureInfo.InvariantCulture));
            HoverMilliseconds = clock.Elapsed.TotalMilliseconds;
            await Assertions.Expect(pair.Locator("svg.uc-embedding-link circle.uc-link-outline")).ToHaveCountAsync(2);
            await Assertions.Expect(pair.Locator("svg.uc-embedding-link line.uc-link-line")).ToHaveCountAsync(1);

            // The line runs from the hovered point to the same image's position in plot B.
            var ends = await page.EvaluateAsync<double[]>($@"() => {{
                const pair = document.querySelector('.uc-embedding-pair'), box = pair.getBoundingClientRect(), line = pair.querySelector('line.uc-link-line');
                const gd = document.getElementById('uc-embedding-b'), t = gd.data[0], i = t.customdata.findIndex(c => c[0] === {img});
                const r = gd.getBoundingClientRect(), xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
                return [+line.getAttribute('x1') + box.left, +line.getAttribute('y1') + box.top, +line.getAttribute('x2'), +line.getAttribute('y2'),
                        r.left - box.left + xa._offset + xa.l2p(t.x[i]), r.top - box.top + ya._offset + ya.l2p(t.y[i])]; }}");
            Assert.InRange(ends[0], target[0] - 1, target[0] + 1);
            Assert.InRange(ends[1], target[1] - 1, target[1] + 1);
            Assert.InRange(ends[2], ends[4] - 1, ends[4] + 1);
            Assert.InRange(ends[3], ends[5] - 1, ends[5] + 1);
            await Task.Delay(300);
            HoverFramesSent = Volatile.Read(ref framesSent) - framesBefore;
            Console.WriteLine($"Linked hover drawn {HoverMilliseconds:F0} ms after the mouse move (browser only); SignalR frames sent meanwhile: {HoverFramesSent}");
            await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "unlearning-comparator-hover.png") });

            // Leaving the point removes the outlines and the line.
            await page.Mouse.MoveAsync(10, 10);
            await Assertions.Expect(pair.Locator("svg.uc-embedding-link circle")).ToHaveCountAsync(0);

            await AttackAsync(page);
            // Hover, drag and pan log no console error and throw no page error.
            session.AssertNoErrors();
        }
        finally
        {
            await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "unlearning-comparator-seeded.png"), FullPage = true });
        }
    }

    /// <summary>Attack view: drag the threshold line, hover a circle, pan the crowded butterfly with the wheel.</summary>
    private static async Task AttackAsync(IPage page)
    {
        await page.GetByRole(AriaRole.Tab, new() { Name = "Attack" }).ClickAsync();
        var sideA = page.Locator(".uc-attack-side[data-side='A']");
        var sideB = page.Locator(".uc-attack-side[data-side='B']");
        var handle = sideA.Locator("line.uc-threshold-handle");
        await Assertions.Expect(handle).ToHaveCountAsync(1);
        await Assertions.Expect(sideA.Locator(".uc-threshold-info")).ToContainTextAsync("Threshold: 1.25");
        // Wait until the side's pointer module is attached.
        await page.WaitForFunctionAsync("() => document.querySelectorAll('.uc-attack-side').length === 2 && [...document.querySelectorAll('.uc-attack-side')].every(s => s.__ucAttack)");

        // Drag the line up by a fifth of the plot: entropy 1.25 + 0.2 · 2.5 = 1.75 (within a step of the pixel rounding).
        await sideA.Locator("svg.uc-butterfly").ScrollIntoViewIfNeededAsync();
        var box = (await handle.BoundingBoxAsync())!;
        var plot = (await sideA.Locator("rect.uc-butterfly-bg").BoundingBoxAsync())!;
        float x = box.X + box.Width / 3, y = box.Y + box.Height / 2;
        await page.Mouse.MoveAsync(x, y);
        await page.Mouse.DownAsync();
        for (int i = 1; i <= 5; i++) await page.Mouse.MoveAsync(x, y - plot.Height * 0.2f * i / 5);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await page.Mouse.UpAsync();
        await Assertions.Expect(sideA.Locator(".uc-threshold-info")).ToContainTextAsync(new System.Text.RegularExpressions.Regex("Threshold: 1\\.(70|75|80)"));
        DragMilliseconds = clock.Elapsed.TotalMilliseconds;
        // The Custom threshold is shared: side B moved too, and so did the number field.
        var threshold = (await sideA.Locator(".uc-threshold-info text").First.TextContentAsync())!.Trim();
        await Assertions.Expect(sideB.Locator(".uc-threshold-info")).ToContainTextAsync(threshold);
        Console.WriteLine($"Threshold dragged to {threshold}; the redraw landed {DragMilliseconds:F0} ms after the pointer was released");

        // Hovering a circle away from the line highlights that image on the side and labels its value.
        await sideA.Locator("svg.uc-butterfly").ScrollIntoViewIfNeededAsync();
        var dot = await page.EvaluateAsync<double[]>(@"() => {
            const side = document.querySelector("".uc-attack-side[data-side='A']""), line = side.querySelector('line.uc-threshold-line');
            const ly = line.getBoundingClientRect().top;
            for (const c of side.querySelectorAll('circle.uc-dot-model')) {
                const r = c.getBoundingClientRect();
                if (Math.abs(r.top - ly) > 20) return [r.left + r.width / 2, r.top + r.height / 2, +c.getAttribute('data-img')];
            }
            return null; }");
        Assert.NotNull(dot);
        await page.Mouse.MoveAsync((float)dot[0], (float)dot[1]);
        await Assertions.Expect(sideA).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("uc-hovering"));
        await Assertions.Expect(sideA).ToHaveAttributeAsync("data-hovered-img", ((int)dot[2]).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Assertions.Expect(sideA.Locator(".uc-hover-label")).ToHaveCountAsync(1);
        await Assertions.Expect(sideA.Locator(".uc-hover-label")).ToContainTextAsync("Entropy: ");
        // The Retrained circle and the grid images of the same image are highlighted too.
        Assert.True(await sideA.Locator($"[data-img='{(int)dot[2]}'].uc-hovered").CountAsync() >= 3);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "unlearning-comparator-attack-hover.png"), FullPage = true });
        await page.Mouse.MoveAsync(5, 5);
        await Assertions.Expect(sideA.Locator(".uc-hover-label")).ToHaveCountAsync(0);

        // The grids' thumbnails come from one sprite strip, not one request per image.
        await Assertions.Expect(sideA.Locator(".uc-thumb").First).ToBeVisibleAsync();
        var requests = await page.EvaluateAsync<int[]>(@"() => {
            const urls = performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/api/images/'));
            return [urls.filter(n => n.includes('/strip?')).length, urls.filter(n => !n.includes('/strip?')).length]; }");
        Console.WriteLine($"Attack grids: {await page.Locator(".uc-thumb").CountAsync()} thumbnails from {requests[0]} strip request(s) and {requests[1]} single-image request(s)");
        Assert.Equal(1, requests[0]);
        Assert.Equal(0, requests[1]);

        // Model B's crowded rows overflow to the right: the wheel pans them (negative shift).
        var svgB = sideB.Locator("svg.uc-butterfly");
        await Assertions.Expect(svgB).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("uc-pannable"));
        await svgB.ScrollIntoViewIfNeededAsync();
        var bgB = (await sideB.Locator("rect.uc-butterfly-bg").BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(bgB.X + bgB.Width / 2, bgB.Y + 20);
        await page.Mouse.WheelAsync(0, 120);
        await Assertions.Expect(svgB).ToHaveAttributeAsync("data-pan", new System.Text.RegularExpressions.Regex("^-"));
    }

    /// <summary>Milliseconds from releasing the dragged threshold line to the redrawn threshold (last run).</summary>
    public static double DragMilliseconds { get; private set; }

    /// <summary>Milliseconds from the mouse move onto a point to the linked outline being drawn (last run).</summary>
    public static double HoverMilliseconds { get; private set; }

    /// <summary>WebSocket frames the page sent to the server while hovering (last run; the hover itself sends none).</summary>
    public static int HoverFramesSent { get; private set; }

    /// <summary>Original, Retrained and two unlearned models with generated results (10 classes, 2,000 points, 200 attack values).</summary>
    internal static void Seed(AppHost app)
    {
        var store = app.Factory.Services.GetRequiredService<ExperimentStore>();
        void Add(string id, ExperimentType type, string? method, int seed, double ua, double ra, double tra, double ps)
        {
            var e = new Experiment
            {
                Id = id, Dataset = Dataset, Architecture = Architecture, ForgetClass = ForgetClass, Type = type, Method = method,
                Status = ExperimentStatus.Ready, CreatedUtc = DateTime.UtcNow, UA = ua, RA = ra, TUA = ua, TRA = tra, PS = ps,
            };
            e.ResultsPath = store.Artifacts.Relative(ResultsDocument.Save(store.Artifacts, id, Results(seed)));
            store.Add(e);
        }
        Add(ExperimentIds.Original(Dataset, Architecture, ForgetClass), ExperimentType.Original, null, 1, 0.95, 0.96, 0.92, 0.2);
        Add(ExperimentIds.Retrained(Dataset, Architecture, ForgetClass), ExperimentType.Retrained, "Retrain", 2, 0.0, 0.95, 0.91, 1.0);
        Add(ModelA, ExperimentType.Unlearned, "FineTuning", 3, 0.08, 0.93, 0.9, 0.6);
        Add(ModelB, ExperimentType.Unlearned, "GradientAscent", 4, 0.02, 0.85, 0.84, 0.7);
    }

    private static readonly string[] Layers = ["conv1", "layer1.0", "layer1.1", "layer2.0", "layer2.1", "layer3.0", "layer3.1", "layer4.0", "layer4.1", "fc"];

    /// <summary>Layer-wise CKA falling from 1 by up to <paramref name="drop"/> on the retain classes and twice that on the forget class.</summary>
    private static CkaResult Cka(double drop)
    {
        double[][] M(double d) => [.. Layers.Select((_, i) => Layers.Select((_, j) => i == j ? Math.Max(0, 1 - d * i / (Layers.Length - 1)) : 0).ToArray())];
        var split = new CkaSplit { OtherClasses = M(drop), ForgetClass = M(2 * drop) };
        return new CkaResult { Layers = Layers, Train = split, Test = split };
    }

    private static ExperimentResults Results(int seed)
    {
        var rng = new Random(seed);
        const int k = 10;
        double[][] Diagonal(double d) => [.. Enumerable.Range(0, k).Select(i => Enumerable.Range(0, k).Select(j => i == j ? d : (1 - d) / (k - 1)).ToArray())];
        // Class clusters on a circle, each model's circle rotated differently, so the two plots differ.
        var points = Enumerable.Range(0, Points).Select(i =>
        {
            int gt = i % k, pred = rng.NextDouble() < 0.9 ? gt : rng.Next(k);
            double angle = 2 * Math.PI * gt / k + seed;
            return new SubsetPoint
            {
                Img = i * 7, Gt = gt, Pred = pred, IsForget = gt == ForgetClass,
                X = 10 * Math.Cos(angle) + rng.NextDouble() * 3, Y = 10 * Math.Sin(angle) + rng.NextDouble() * 3,
                Probs = [.. Enumerable.Range(0, k).Select(c => c == pred ? 0.91 : 0.01)],
            };
        }).ToList();
        List<AttackCurvePoint> Curve(double lo, double step) =>
            [.. Enumerable.Range(0, 51).Select(i => new AttackCurvePoint(lo + i * step, 1 - i / 50.0, i / 50.0, 0.5 * Math.Sin(Math.PI * i / 50.0)))];
        return new ExperimentResults
        {
            Accs = [.. Enumerable.Range(0, k).Select(c => c == ForgetClass ? 0.1 : 0.9)],
            TAccs = [.. Enumerable.Range(0, k).Select(c => c == ForgetClass ? 0.1 : 0.88)],
            LabelDist = Diagonal(0.9), ConfDist = Diagonal(0.8), TLabelDist = Diagonal(0.85), TConfDist = Diagonal(0.75),
            Points = points,
            Cka = Cka(0.05 * seed), CkaRetrain = Cka(0.1 * seed),
            Attack = new AttackData
            {
                // Model B's entropies crowd into the lowest bins, so its butterfly rows overflow and can be panned.
                Values = [.. Enumerable.Range(0, AttackValues).Select(i => new AttackValue(ForgetClass + i * k, rng.NextDouble() * (seed == 4 ? 0.1 : 2.5), rng.NextDouble() * 12 - 2.5))],
                Results = new()
                {
                    ["entropy_above_unlearn"] = Curve(0, 0.05),
                    ["entropy_above_retrain"] = Curve(0, 0.05),
                    ["confidence_above_retrain"] = Curve(-2.5, 0.25),
                    ["confidence_above_unlearn"] = Curve(-2.5, 0.25),
                },
            },
        };
    }
}
