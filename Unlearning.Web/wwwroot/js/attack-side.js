// Pointer interaction of one attack side (docs/views.md, "Butterfly plot" to "Privacy score and success/failure grids"), in the browser:
// - dragging the dashed threshold line (Custom strategy only: the line has a .uc-threshold-handle) reports the
//   pointer's height to C# (AttackSide.OnThresholdDragged), which snaps it to the step and redraws; a report goes only
//   when the pointer crosses into another step, not on every pixel;
// - panning a butterfly plot whose rows overflow: drag the background or turn the wheel, bounded by the overflow on
//   each side (data-pan-min / data-pan-max, computed in C#); nothing goes to the server;
// - hovering a circle or a grid image highlights that sample everywhere on the side and labels its value.

/** Attaches the interaction to the side's root element; dotnet receives OnThresholdDragged(fractionFromTop). */
export function attach(root, dotnet) {
    if (!root) return;
    detach(root);
    const svg = root.querySelector('svg.uc-butterfly');
    const state = { dotnet, pan: 0, drag: null, lastStep: null };
    const on = (target, type, handler, options) => {
        target.addEventListener(type, handler, options);
        (state.off ??= []).push(() => target.removeEventListener(type, handler, options));
    };
    if (svg) {
        on(svg, 'pointerdown', e => pointerDown(svg, state, e));
        on(svg, 'pointermove', e => pointerMove(svg, state, e));
        on(svg, 'pointerup', e => pointerUp(svg, state, e));
        on(svg, 'pointercancel', e => pointerUp(svg, state, e));
        on(svg, 'wheel', e => wheel(svg, state, e), { passive: false });
    }
    on(root, 'pointerover', e => hover(root, e.target));
    on(root, 'pointerout', e => { if (sampleOf(e.target) !== null) unhover(root); });
    root.__ucAttack = state;
}

/** Re-applies the pan after C# redrew the side (new bounds when the metric or threshold changed). */
export function refresh(root) {
    const state = root?.__ucAttack;
    const svg = root?.querySelector('svg.uc-butterfly');
    if (state && svg) setPan(svg, state, state.pan);
}

export function detach(root) {
    const state = root?.__ucAttack;
    if (!state) return;
    (state.off ?? []).forEach(off => off());
    delete root.__ucAttack;
}

/** The pointer position in the SVG's viewBox units. */
function toViewBox(svg, e) {
    const ctm = svg.getScreenCTM();
    if (!ctm) return null;
    const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(ctm.inverse());
    return { x: p.x, y: p.y };
}

function pointerDown(svg, state, e) {
    if (e.button !== 0) return;
    const p = toViewBox(svg, e);
    if (!p) return;
    if (e.target.closest?.('.uc-threshold-handle')) {
        state.drag = { kind: 'threshold', id: e.pointerId };
        state.lastStep = null;
        svg.setPointerCapture(e.pointerId);
        svg.classList.add('uc-dragging');
        e.preventDefault();
        dragThreshold(svg, state, p);
        return;
    }
    const left = +svg.dataset.bflyLeft, width = +svg.dataset.bflyWidth;
    if (canPan(svg) && p.x >= left && p.x <= left + width && !e.target.closest?.('.uc-dot')) {
        state.drag = { kind: 'pan', id: e.pointerId, startX: p.x, startPan: state.pan };
        svg.setPointerCapture(e.pointerId);
        svg.classList.add('uc-panning');
        e.preventDefault();
    }
}

function pointerMove(svg, state, e) {
    if (!state.drag || state.drag.id !== e.pointerId) return;
    const p = toViewBox(svg, e);
    if (!p) return;
    if (state.drag.kind === 'threshold') dragThreshold(svg, state, p);
    else setPan(svg, state, state.drag.startPan + (p.x - state.drag.startX));
}

function pointerUp(svg, state, e) {
    if (!state.drag || state.drag.id !== e.pointerId) return;
    state.drag = null;
    svg.classList.remove('uc-dragging', 'uc-panning');
    if (svg.hasPointerCapture(e.pointerId)) svg.releasePointerCapture(e.pointerId);
}

function dragThreshold(svg, state, p) {
    const top = +svg.dataset.plotTop, height = +svg.dataset.plotHeight, steps = +svg.dataset.steps;
    const fraction = Math.min(1, Math.max(0, (p.y - top) / height));
    // Only to avoid a call per pixel: C# does the snapping (AttackViewModel.ThresholdAtFraction).
    const step = Math.round((1 - fraction) * steps);
    if (step === state.lastStep) return;
    state.lastStep = step;
    state.dotnet.invokeMethodAsync('OnThresholdDragged', fraction);
}

function canPan(svg) {
    return +svg.dataset.panMin < 0 || +svg.dataset.panMax > 0;
}

function wheel(svg, state, e) {
    if (!canPan(svg)) return;
    const delta = Math.abs(e.deltaX) > Math.abs(e.deltaY) ? e.deltaX : e.deltaY;
    const next = clampPan(svg, state.pan - delta / 2);
    if (next === state.pan) return; // at the bound: let the page scroll
    e.preventDefault();
    setPan(svg, state, next);
}

function clampPan(svg, pan) {
    return Math.min(+svg.dataset.panMax, Math.max(+svg.dataset.panMin, pan));
}

function setPan(svg, state, pan) {
    state.pan = clampPan(svg, pan);
    const content = svg.querySelector('.uc-butterfly-content');
    if (content) content.setAttribute('transform', `translate(${state.pan} 0)`);
    svg.dataset.pan = String(state.pan);
}

function sampleOf(el) {
    const s = el?.closest?.('[data-img]');
    return s ? s.getAttribute('data-img') : null;
}

function hover(root, target) {
    const img = sampleOf(target);
    if (img === null) return;
    unhover(root);
    root.classList.add('uc-hovering');
    root.dataset.hoveredImg = img;
    root.querySelectorAll(`[data-img="${CSS.escape(img)}"]`).forEach(el => el.classList.add('uc-hovered'));
    const dot = target.closest('circle.uc-dot') ?? root.querySelector(`circle.uc-dot[data-img="${CSS.escape(img)}"]`);
    if (dot && dot.dataset.label) {
        const text = document.createElementNS('http://www.w3.org/2000/svg', 'text');
        text.setAttribute('class', 'uc-hover-label');
        const right = dot.classList.contains('uc-dot-model');
        text.setAttribute('x', +dot.getAttribute('cx') + (right ? 6 : -6));
        text.setAttribute('y', +dot.getAttribute('cy') - 5);
        text.setAttribute('text-anchor', right ? 'start' : 'end');
        text.setAttribute('font-size', '9');
        text.textContent = dot.dataset.label;
        // A layer Blazor renders empty, so the label never sits among the nodes Blazor diffs.
        (root.querySelector('.uc-hover-layer') ?? dot.parentNode).appendChild(text);
    }
}

function unhover(root) {
    root.classList.remove('uc-hovering');
    delete root.dataset.hoveredImg;
    root.querySelectorAll('.uc-hovered').forEach(el => el.classList.remove('uc-hovered'));
    root.querySelectorAll('.uc-hover-label').forEach(el => el.remove());
}
