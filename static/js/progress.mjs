// The progress bar of a background job: polls the page's small JSON view and reloads the page
// once the job is done. Without JavaScript the page refreshes itself (a <noscript> meta).
const bar = document.querySelector("[data-progress-url]");
if (bar) {
  const label = document.querySelector("[data-progress-label]");
  const poll = async () => {
    try {
      const response = await fetch(bar.dataset.progressUrl, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const state = await response.json();
        bar.value = state.percent;
        bar.textContent = `${state.percent}%`;
        if (label) label.textContent = `${state.status_label}: ${state.percent}%`;
        if (state.done) {
          window.location.reload();
          return;
        }
      }
    } catch {
      // A blip in the network: try again at the next tick.
    }
    window.setTimeout(poll, 1000);
  };
  window.setTimeout(poll, 1000);
}
