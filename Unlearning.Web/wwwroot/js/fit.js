// Region sizing of the one-screen dashboard (docs/views.md, "Layout"): a ResizeObserver on a region keeps the CSS
// variables --fit-w / --fit-h on it equal to its content box, and resizes the Plotly plots inside it to their
// containers (Plotly's own "responsive" option reacts to window resizes only, not to a region that changes size
// because a neighbour did).

const watched = new WeakMap();

/** Starts observing el (idempotent). */
export function observe(el) {
    if (!el || watched.has(el)) return;
    let frame = 0;
    const ro = new ResizeObserver(() => {
        cancelAnimationFrame(frame);
        frame = requestAnimationFrame(() => fit(el));
    });
    ro.observe(el);
    watched.set(el, ro);
    fit(el);
}

/** Stops observing el. */
export function unobserve(el) {
    const ro = el ? watched.get(el) : null;
    if (!ro) return;
    ro.disconnect();
    watched.delete(el);
}

function fit(el) {
    if (!el.isConnected) return;
    el.style.setProperty('--fit-w', el.clientWidth + 'px');
    el.style.setProperty('--fit-h', el.clientHeight + 'px');
    const plotly = window.Plotly;
    if (!plotly?.Plots) return;
    for (const gd of el.querySelectorAll('.js-plotly-plot')) {
        if (gd._fullLayout && gd.offsetParent !== null) {
            try { plotly.Plots.resize(gd)?.catch?.(() => { }); } catch { /* a plot being replaced */ }
        }
    }
}
