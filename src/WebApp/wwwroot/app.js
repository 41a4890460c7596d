// Small helpers the interactive pages call (DocumentTitle.cs, Localization/BrowserTime.cs).
window.collab = {
    setTitle: title => { document.title = title; },
    // The reader's IANA time zone and language, asked once per circuit: times are shown in them, never the server's.
    browserClock: () => ({ timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone, language: navigator.language }),
};

// A click into a MudTextField/MudNumericField box also reaches its container's click handler on the
// server, which focuses the box unless a key was pressed in it yet: a round trip later. Over a slow
// link the person may be typing in the next box by then, and the focus (with the typing) jumped back
// (seen at 200 ms round trip: the Description's text landed in the Name). A click on a box that
// already has the focus leaves that handler nothing to do, so it is not sent. Selects, autocompletes
// and pickers open on that click and keep it.
document.addEventListener('click', e => {
    const box = e.target;
    if ((box instanceof HTMLInputElement || box instanceof HTMLTextAreaElement) && box.classList.contains('mud-input-slot')
        && box === document.activeElement && !box.closest('.mud-select, .mud-autocomplete, .mud-picker, .collab-click-through')) {
        e.stopPropagation();
    }
}, true);

// A dialog's focus trap moves the focus to its own fallback element when the trap itself is focused
// (a click on a part of the dialog that cannot take the focus): on the server, a round trip later. By
// then the person may be typing in a box of the dialog ("Another value"), and the rest of the typing
// went nowhere (seen at 200 ms round trip). That element has pointer-events: none and tabindex -1, so
// no click or Tab reaches it: focus arriving there from a text box inside the same trap is always that
// late call, and goes back to the box.
document.addEventListener('focusin', e => {
    const to = e.target, from = e.relatedTarget;
    if (to instanceof HTMLElement && to.matches('.mud-focus-trap > .fixed.pointer-events-none[tabindex="-1"]')
        && (from instanceof HTMLInputElement || from instanceof HTMLTextAreaElement) && from.isConnected
        && to.parentElement.contains(from)) {
        from.focus();
    }
}, true);
