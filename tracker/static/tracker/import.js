// The progress bar of an import job's page: polls the job's progress (JSON) every second, and reloads the
// page once the job has finished, to show the preview or the result. The texts come translated from the server.
(function () {
  "use strict";
  const bar = document.getElementById("ntp-import-progress");
  if (!bar) {
    return;
  }
  const text = document.getElementById("ntp-import-progress-text");

  function show(data) {
    if (data.rows_total) {
      bar.max = data.rows_total;
      bar.value = Math.min(data.rows_done, data.rows_total);
    } else {
      bar.removeAttribute("value"); // unknown total: an indeterminate bar
    }
    text.textContent = data.text;
  }

  async function poll() {
    try {
      const response = await fetch(bar.dataset.url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (response.ok) {
        const data = await response.json();
        if (!data.running) {
          window.location.reload();
          return;
        }
        show(data);
      }
    } catch (error) {
      // The network or the server hiccuped: try again at the next tick.
    }
    window.setTimeout(poll, 1000);
  }

  window.setTimeout(poll, 1000);
})();
