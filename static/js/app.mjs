// The portal's one script, loaded as an ES module with the page's CSP nonce. There is no
// inline script anywhere, so this also does the job of GOV.UK's inline template snippet:
// browsers that run ES modules are the ones GOV.UK Frontend supports.
import { createAll, initAll as initGovuk } from "../govuk/govuk-frontend.min.js";
import { FilterToggleButton, initAll as initMoj } from "../moj/moj-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initGovuk();
initMoj();
// MOJ's filter (data-module="moj-filter") is not in its initAll. On a phone it folds away
// behind a "Show filters" button so the list comes first; without JavaScript it stays open.
createAll(FilterToggleButton);

// Parts of a form that apply only to some answers: data-shown-when="<control id>:<a>,<b>"
// shows the part for those values, data-hidden-when hides it. Without JavaScript every part
// stays visible and the server still checks what belongs where.
for (const part of document.querySelectorAll("[data-shown-when], [data-hidden-when]")) {
  const rule = part.dataset.shownWhen ?? part.dataset.hiddenWhen;
  const [id, values] = rule.split(":");
  const control = document.getElementById(id);
  if (!control) continue;
  const matches = () => values.split(",").includes(control.value);
  const update = () => {
    part.hidden = part.dataset.shownWhen !== undefined ? !matches() : matches();
  };
  control.addEventListener("change", update);
  update();
}

// Searching for, adding or removing a pupil on the concern and incident forms. Without
// JavaScript the page comes back with the changed part focused (autofocus: the first pupil
// found, the added pupil's role, the search box), which also scrolls it into view. With it,
// the post goes in the background and only that part (data-updates="<its id>") is swapped,
// so the page keeps its place, and any files chosen.
for (const form of document.querySelectorAll("form[data-keeps-place]")) {
  form.addEventListener("submit", async (event) => {
    const button = event.submitter;
    if (form.dataset.keepsPlace === "off") return;
    const part = button?.dataset.updates && document.getElementById(button.dataset.updates);
    if (!part) return;
    event.preventDefault();
    const body = new FormData(form, button);
    for (const input of form.querySelectorAll("input[type=file]")) body.delete(input.name);
    try {
      const response = await fetch(form.action, { method: "POST", body, credentials: "same-origin" });
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById(part.id);
      if (!response.ok || !fresh) throw new Error(`${response.status}`);
      part.replaceWith(fresh);
      fresh.querySelector("[autofocus]")?.focus();
    } catch {
      // Whatever went wrong, the plain post still works.
      form.dataset.keepsPlace = "off";
      form.requestSubmit(button);
    }
  });
}
