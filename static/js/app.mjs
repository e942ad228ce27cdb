// The portal's one script, loaded as an ES module with the page's CSP nonce. There is no
// inline script anywhere, so this also does the job of GOV.UK's inline template snippet:
// browsers that run ES modules are the ones GOV.UK Frontend supports.
import { initAll as initGovuk } from "../govuk/govuk-frontend.min.js";
import { initAll as initMoj } from "../moj/moj-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initGovuk();
initMoj();
