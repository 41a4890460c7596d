// Small helpers the interactive pages call (DocumentTitle.cs, Localization/BrowserTime.cs).
window.collab = {
    setTitle: title => { document.title = title; },
    // The reader's IANA time zone and language, asked once per circuit: times are shown in them, never the server's.
    browserClock: () => ({ timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone, language: navigator.language }),
};
