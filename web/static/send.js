/* Sentimeter: send the answer form without leaving the page, so that a lost connection
   loses no answer. Progressive enhancement only: without this script the form posts as usual.
   - success (the server redirects to the thank-you page): go there;
   - no connection: stay, keep every answer, show the notice, let the officer send again;
   - any other reply (e.g. a validation error): submit the form normally, so the server's
     own page with its error summary is shown (nothing was stored by the first attempt). */
(function () {
  "use strict";
  var form = document.getElementById("answer-form");
  var notice = document.getElementById("offline");
  if (!form || !notice || !window.fetch || !window.URLSearchParams || !window.FormData) return;
  var button = form.querySelector("button[type=submit]");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    notice.hidden = true;
    button.disabled = true;
    form.setAttribute("aria-busy", "true");
    fetch(form.action, {method: "POST", body: new URLSearchParams(new FormData(form)),
                        credentials: "same-origin", redirect: "follow"})
      .then(function (response) {
        if (response.redirected && response.ok) {
          window.location.assign(response.url);
        } else {
          HTMLFormElement.prototype.submit.call(form);
        }
      })
      .catch(function () {
        button.disabled = false;
        form.removeAttribute("aria-busy");
        notice.setAttribute("role", "alert");  // announced when shown, not while hidden
        notice.hidden = false;
        notice.focus();
      });
  });
})();

/* Progress: how many questions have an answer, updated as the officer taps (without this
   script the page says how many questions there are). */
(function () {
  "use strict";
  var form = document.getElementById("answer-form");
  var bar = document.getElementById("progress-bar");
  var text = document.getElementById("progress-text");
  var pattern = form && form.getAttribute("data-progress");
  if (!form || !bar || !text || !pattern) return;
  function update() {
    var names = {};
    var inputs = form.querySelectorAll("input[type=radio]:checked");
    for (var i = 0; i < inputs.length; i++) names[inputs[i].name] = true;
    var done = Object.keys(names).length;
    bar.value = done;
    text.textContent = pattern.replace("{n}", done).replace("{total}", bar.max);
  }
  bar.hidden = false;
  form.addEventListener("change", update);
  update();
})();

