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
