// Check-in (签到) pages: the browser's position for a place check-in (the teacher's when
// starting, the student's when checking in), and the classroom screen's rotating code,
// asked again each time it changes (every 10 s). Self-served, no inline script (CSP).
(function () {
  "use strict";

  function locate(form, status, done) {
    if (!navigator.geolocation) {
      if (status) status.textContent = form.dataset.unlocated;
      return;
    }
    if (status) status.textContent = form.dataset.locating;
    navigator.geolocation.getCurrentPosition(function (position) {
      form.elements.latitude.value = position.coords.latitude;
      form.elements.longitude.value = position.coords.longitude;
      if (form.elements.accuracy) form.elements.accuracy.value = position.coords.accuracy;
      if (status && form.dataset.located) {
        status.textContent = form.dataset.located.replace("{m}", Math.round(position.coords.accuracy));
      }
      done();
    }, function () {
      if (status) status.textContent = form.dataset.unlocated;
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 });
  }

  // The teacher: "use my location" fills the centre of the circle.
  document.querySelectorAll(".checkin-start-form").forEach(function (form) {
    var box = form.elements.use_place;
    var status = form.querySelector("[data-place-status]");
    if (!box) return;
    box.addEventListener("change", function () {
      if (box.checked) locate(form, status, function () {});
    });
    form.addEventListener("submit", function (event) {
      if (box.checked && !form.elements.latitude.value) {
        event.preventDefault();
        locate(form, status, function () { form.submit(); });
      }
    });
  });

  // The student: a place check-in sends the position with its accuracy.
  document.querySelectorAll(".checkin-form[data-needs-place]").forEach(function (form) {
    var status = form.querySelector("[data-place-status]");
    form.addEventListener("submit", function (event) {
      if (form.dataset.located === "yes") return;
      event.preventDefault();
      locate(form, status, function () {
        form.dataset.located = "yes";
        form.submit();
      });
    });
  });

  // The classroom screen.
  var screen = document.querySelector(".checkin-screen[data-code-url]");
  if (screen) {
    var codeEl = screen.querySelector(".screen-code");
    var countEl = screen.querySelector(".screen-count");
    var refresh = function () {
      fetch(screen.dataset.codeUrl, { credentials: "same-origin", cache: "no-store" })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (countEl) {
            countEl.textContent = countEl.dataset.countTemplate
              .replace("{n}", data.checked_in).replace("{total}", data.expected);
          }
          if (data.code) {
            codeEl.textContent = data.code;
            setTimeout(refresh, Math.max(500, Math.min(data.refresh_in_ms, 10050)));
          } else if (data.state === "closed") {
            codeEl.textContent = screen.dataset.ended;
          } else {
            setTimeout(refresh, 5000);  // not open yet
          }
        })
        .catch(function () { setTimeout(refresh, 2000); });
    };
    refresh();
  }
})();
