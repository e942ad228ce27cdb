// The portal's one script, loaded as an ES module with the page's CSP nonce. There is no
// inline script anywhere, so this also does the job of GOV.UK's inline template snippet:
// browsers that run ES modules are the ones GOV.UK Frontend supports.
import { initAll as initGovuk } from "../govuk/govuk-frontend.min.js";
import { initAll as initMoj } from "../moj/moj-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initGovuk();
initMoj();

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
