// The Reload button of the reconnect dialog (App.razor). A reload starts a new circuit; the edit page
// then restores the user's draft, which was kept on the server while they typed.
document.querySelector("#components-reconnect-modal .reconnect-reload")
    ?.addEventListener("click", () => location.reload());
