// The operator page's two behaviours, here rather than inline: the Content-Security-Policy
// runs no inline handler and htmx evaluates no trigger filter (allowEval is false).
"use strict";

// "Cancel" on a replay confirmation removes it
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-dismiss='confirm']");
  if (button) button.closest(".confirm").remove();
});

// while "Pause refresh" is on, the overview's polling requests are not sent
document.addEventListener("htmx:confirm", (event) => {
  const pause = document.getElementById("pause-refresh");
  if (pause && pause.checked && event.detail.elt.id === "overview") event.preventDefault();
});
