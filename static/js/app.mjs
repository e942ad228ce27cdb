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

// The portal signs a person out after a time without contact with the server, and after a
// longest time in all. Two minutes before, a dialog says so (WCAG 2.2.1, like HMRC's timeout
// dialog): "Stay signed in", or Escape, starts the idle time again; the longest time cannot
// be stretched, so then the dialog only warns. Typing or clicking counts as activity and
// tells the server at most once a minute, so nobody writing a long concern is signed out
// under their hands. Tabs share the time of the last contact (localStorage holds only that
// time), so one busy tab keeps the others. When the time is up the page signs out.
const timeoutDialog = document.getElementById("session-timeout");
if (timeoutDialog) watchSession(timeoutDialog);

function watchSession(dialog) {
  const idle = Number(dialog.dataset.idleSeconds) * 1000;
  const warnBefore = Number(dialog.dataset.warnSeconds) * 1000;
  let endsAt = Number(dialog.dataset.endsAt) * 1000;
  const key = "ssp-session-contact";
  const signOutForm = document.getElementById("sign-out-form");
  const token = signOutForm?.querySelector("[name=csrfmiddlewaretoken]")?.value ?? "";
  const part = (name) => dialog.querySelector(`[data-timeout-${name}]`);
  let contact = 0;
  let asking = false;
  let final = false;
  let finalSeen = false;
  let announced = "";
  let returnFocus = null;

  const remember = (at) => {
    contact = at;
    try {
      localStorage.setItem(key, String(at));
    } catch {
      // Storage refused: this tab keeps its own time.
    }
  };
  const lastContact = () => {
    let shared = 0;
    try {
      shared = Number(localStorage.getItem(key)) || 0;
    } catch {
      shared = 0;
    }
    return Math.max(contact, shared);
  };
  const inWords = (ms) => {
    const seconds = Math.max(0, Math.ceil(ms / 1000));
    if (seconds > 60) {
      const minutes = Math.ceil(seconds / 60);
      return `${minutes} minutes`;
    }
    if (seconds === 60) return "1 minute";
    return `${seconds} second${seconds === 1 ? "" : "s"}`;
  };

  const signOut = () => {
    clearInterval(timer);
    if (signOutForm) signOutForm.requestSubmit();
    else window.location.reload();
  };

  const close = () => {
    if (!dialog.open) return;
    dialog.close();
    returnFocus?.focus();
  };

  const stay = async () => {
    if (asking) return;
    asking = true;
    try {
      const response = await fetch(dialog.dataset.keepAlive, {
        method: "POST",
        credentials: "same-origin",
        redirect: "manual",
        headers: { "X-CSRFToken": token },
      });
      if (response.status === 401 || response.type === "opaqueredirect") {
        signOut(); // the server has already signed this person out
        return;
      }
      if (!response.ok) return; // a passing failure: the next tick or activity tries again
      endsAt = (await response.json()).ends_at * 1000;
      remember(Date.now());
      tick();
    } catch {
      // Offline for a moment: the dialog stays, and "Stay signed in" can be pressed again.
    } finally {
      asking = false;
    }
  };

  const open = () => {
    part("idle").hidden = final;
    part("final").hidden = !final;
    part("stay").hidden = final;
    part("close").hidden = !final;
    returnFocus = document.activeElement;
    dialog.showModal();
  };

  function tick() {
    const now = Date.now();
    const idleEnd = lastContact() + idle;
    final = endsAt <= idleEnd;
    const left = Math.min(idleEnd, endsAt) - now;
    if (left <= 0) {
      signOut();
      return;
    }
    if (left > warnBefore || (final && finalSeen)) {
      close();
      announced = "";
      return;
    }
    if (!dialog.open) open();
    const words = inWords(left);
    part("countdown").textContent = words;
    // Screen readers hear the time each minute, then at 30, 20 and 10 seconds: not every second.
    const seconds = Math.ceil(left / 1000);
    const due = seconds > 60 ? words : [60, 30, 20, 10].includes(seconds) ? words : "";
    if (due && due !== announced) {
      part("announce").textContent = `You will be signed out in ${due}.`;
      announced = due;
    }
  }

  part("stay").addEventListener("click", stay);
  part("close").addEventListener("click", () => {
    finalSeen = true;
    close();
  });
  // Escape: stay signed in where that is possible, else only close the warning.
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    if (final) {
      finalSeen = true;
      close();
    } else {
      stay();
    }
  });
  const activity = () => {
    if (!dialog.open && Date.now() - lastContact() > 60_000) stay();
  };
  for (const type of ["keydown", "pointerdown", "input"]) {
    document.addEventListener(type, activity, { capture: true, passive: true });
  }

  remember(Date.now()); // this page's own request was a contact
  const timer = setInterval(tick, 1000);
}
