// Linked hover of the two embedding plots (docs/views.md, "Embedding view"), entirely in the browser: hovering a point outlines it
// and the same sample (same image index) in the other plot, and draws a connecting line between the two, on an SVG
// overlay above both plots. Nothing goes to the server on hover, so the 2 × 2,000-point traces are never re-sent.
//
// The plots' main trace (index 0) carries customdata = [image index, 1 if highlighted else 0] per point; only
// highlighted points react, as the original gives faded points no pointer events.

const OUTLINE_RADIUS = 7;

/** Attaches (or re-attaches) the linked hover to the plots with ids idA and idB inside container. */
export function link(container, idA, idB) {
    if (!container) return;
    const state = container.__ucLink ?? (container.__ucLink = {});
    state.ids = [idA, idB];
    state.generation = (state.generation ?? 0) + 1;
    clear(container);
    const generation = state.generation;
    // Plotly.Blazor draws asynchronously (after plotly.js has loaded); wait until both divs are Plotly plots.
    const started = Date.now();
    const tryAttach = () => {
        if (state.generation !== generation) return;
        const plots = state.ids.map(id => document.getElementById(id));
        if (plots.every(p => p && typeof p.on === 'function' && p._fullLayout && p.data)) {
            plots.forEach((gd, side) => attach(container, gd, side));
        } else if (Date.now() - started < 60000) {
            setTimeout(tryAttach, 100);
        }
    };
    tryAttach();
}

/** Removes the outlines and the connecting line. */
export function clear(container) {
    const svg = overlay(container);
    if (svg) svg.replaceChildren();
    if (container) delete container.dataset.linkedImg;
}

function overlay(container) {
    return container?.querySelector(':scope > svg.uc-embedding-link') ?? null;
}

function attach(container, gd, side) {
    // Plotly's react() keeps the div's listeners, and link() runs again after each model change: replace ours.
    const old = gd.__ucLinkHandlers;
    if (old) {
        gd.removeListener('plotly_hover', old.hover);
        gd.removeListener('plotly_unhover', old.unhover);
        gd.removeListener('plotly_relayout', old.unhover);
    }
    const handlers = {
        hover: e => onHover(container, side, e),
        unhover: () => clear(container),
    };
    gd.__ucLinkHandlers = handlers;
    gd.on('plotly_hover', handlers.hover);
    gd.on('plotly_unhover', handlers.unhover);
    // Zoom and pan move the points: the drawn positions would be stale.
    gd.on('plotly_relayout', handlers.unhover);
}

function onHover(container, side, event) {
    const pt = (event?.points ?? []).find(p => p.curveNumber === 0);
    const data = Array.isArray(pt?.customdata) ? pt.customdata : null;
    if (!data || !data[1]) return;
    show(container, side, data[0]);
}

/** Outlines image img in both plots and connects them; returns the number of outlines drawn (for tests). */
export function show(container, side, img) {
    const state = container?.__ucLink;
    const svg = overlay(container);
    if (!state || !svg) return 0;
    const box = container.getBoundingClientRect();
    const positions = state.ids.map(id => position(document.getElementById(id), img, box));
    const ns = 'http://www.w3.org/2000/svg';
    const nodes = [];
    const [a, b] = positions;
    if (a && b) {
        const line = document.createElementNS(ns, 'line');
        line.setAttribute('class', 'uc-link-line');
        line.setAttribute('x1', a.x); line.setAttribute('y1', a.y);
        line.setAttribute('x2', b.x); line.setAttribute('y2', b.y);
        line.setAttribute('stroke', '#000');
        line.setAttribute('stroke-width', '2');
        nodes.push(line);
    }
    positions.forEach((p, i) => {
        if (!p) return;
        const c = document.createElementNS(ns, 'circle');
        c.setAttribute('class', 'uc-link-outline' + (i === side ? ' uc-link-hovered' : ''));
        c.setAttribute('cx', p.x); c.setAttribute('cy', p.y); c.setAttribute('r', OUTLINE_RADIUS);
        c.setAttribute('fill', 'none');
        c.setAttribute('stroke', '#000');
        c.setAttribute('stroke-width', '2');
        nodes.push(c);
    });
    svg.replaceChildren(...nodes);
    container.dataset.linkedImg = String(img);
    return positions.filter(p => p).length;
}

/** Pixel position of image img in plot gd relative to the container box, or null when absent or out of view. */
function position(gd, img, box) {
    const trace = gd?.data?.[0];
    const layout = gd?._fullLayout;
    if (!trace || !layout?.xaxis || !layout?.yaxis) return null;
    const ids = trace.customdata ?? [];
    let index = -1;
    for (let i = 0; i < ids.length; i++) {
        if (Array.isArray(ids[i]) && ids[i][0] === img) { index = i; break; }
    }
    if (index < 0) return null;
    const xa = layout.xaxis, ya = layout.yaxis;
    const px = xa.l2p(Number(trace.x[index])), py = ya.l2p(Number(trace.y[index]));
    if (!(px >= 0 && px <= xa._length && py >= 0 && py <= ya._length)) return null;
    const r = gd.getBoundingClientRect();
    return { x: r.left - box.left + xa._offset + px, y: r.top - box.top + ya._offset + py };
}
