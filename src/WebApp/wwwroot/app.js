// Small helpers the interactive pages call (DocumentTitle.cs).
window.collab = {
    setTitle: title => { document.title = title; },
};
