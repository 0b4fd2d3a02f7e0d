/* global window, document, EventSource */
// Small behaviours of the web application. Loaded as a file (the CSP forbids inline scripts).
(function () {
  'use strict';

  // Live progress: an element with data-sse="<url>" receives server-sent events: "progress"
  // (a <progress> bar and its label, set as text) and "done" (go to the result page).
  function attachSse(el) {
    // htmx also announces the first page load: attach each stream once, or two "done" events race.
    if (el.__sse) return;
    el.__sse = true;
    var url = el.getAttribute('data-sse');
    if (!url || !window.EventSource) return;
    var source = new EventSource(url);
    var ended = false;
    // The time stops counting once the task is over (or lost).
    function freezeElapsed() {
      el.querySelectorAll('[data-elapsed-since]').forEach(function (t) {
        t.removeAttribute('data-elapsed-since');
      });
    }
    function say(text, ok) {
      var label = el.querySelector('[data-progress-label]');
      if (!label) return;
      label.textContent = text;
      label.className = ok ? 'flash ok' : 'flash error';
      label.setAttribute('role', ok ? 'status' : 'alert');
    }
    source.addEventListener('progress', function (e) {
      var data = JSON.parse(e.data);
      var bar = el.querySelector('progress');
      if (bar && typeof data.value === 'number' && data.value >= 0) {
        bar.max = data.max || 100;
        bar.value = data.value;
      }
      var label = el.querySelector('[data-progress-label]');
      if (label && data.label) label.textContent = data.label;
    });
    source.addEventListener('line', function (e) {
      var list = el.querySelector('[data-progress-lines]');
      if (!list) return;
      var li = document.createElement('li');
      li.textContent = JSON.parse(e.data).text;
      list.appendChild(li);
    });
    source.addEventListener('done', function (e) {
      ended = true;
      source.close();
      freezeElapsed();
      var data = JSON.parse(e.data || '{}');
      if (data.redirect) {
        window.location.assign(data.redirect);
        return;
      }
      // Ended without a result page (e.g. the task failed): say why, in place of the progress.
      say(data.message || 'Finished.', data.ok);
    });
    source.onerror = function () {
      // A dropped stream reconnects by itself (readyState 0). Closed for good without "done": the
      // server no longer knows the task (it restarted), so the page must not look busy forever.
      if (source.readyState !== 2 || ended) return;
      freezeElapsed();
      say(
        'Lost contact with this task: the server may have restarted. The sync history shows what was done.',
        false,
      );
    };
  }

  // Elapsed time counters: <span data-elapsed-since="<epoch ms>">.
  function tickElapsed() {
    var now = Date.now();
    document.querySelectorAll('[data-elapsed-since]').forEach(function (el) {
      var since = Number(el.getAttribute('data-elapsed-since'));
      var s = Math.max(0, Math.floor((now - since) / 1000));
      el.textContent = Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
    });
  }

  function init(root) {
    (root || document).querySelectorAll('[data-sse]').forEach(attachSse);
  }

  document.addEventListener('DOMContentLoaded', function () {
    // The menu is open without JavaScript; on a phone it starts folded behind "Menu".
    var menu = document.querySelector('details.menu');
    var phone = window.matchMedia('(max-width: 40rem)');
    if (menu && phone.matches) menu.removeAttribute('open');
    // A turned tablet or a resized window: wide screens always show the menu (it has no "Menu" button there).
    if (menu && phone.addEventListener)
      phone.addEventListener('change', function (e) {
        if (e.matches) menu.removeAttribute('open');
        else menu.setAttribute('open', '');
      });
    // Forms with data-confirm ask first (a plain form: htmx's hx-confirm covers only htmx requests).
    document.addEventListener('submit', function (e) {
      var form = e.target;
      var question = form && form.getAttribute && form.getAttribute('data-confirm');
      if (question && !window.confirm(question)) e.preventDefault();
    });
    // Copy buttons: <button data-copy="#id"> copies that element's text (a secret shown once).
    document.addEventListener('click', function (e) {
      var button = e.target && e.target.closest && e.target.closest('[data-copy]');
      if (!button) return;
      var source = document.querySelector(button.getAttribute('data-copy'));
      if (!source || !navigator.clipboard) return;
      navigator.clipboard.writeText(source.textContent.trim()).then(
        function () {
          button.textContent = 'Copied';
        },
        function () {
          button.textContent = 'Copy failed: select the text and copy it';
        },
      );
    });
    // A form with <select data-shows-kind> shows only the groups (data-kind="a b") of the chosen
    // kind; hidden groups are disabled so their fields are not sent. Without JavaScript all show.
    document.querySelectorAll('select[data-shows-kind]').forEach(function (select) {
      var form = select.form;
      if (!form) return;
      function apply() {
        form.querySelectorAll('[data-kind]').forEach(function (group) {
          var on = group.getAttribute('data-kind').split(' ').indexOf(select.value) >= 0;
          group.hidden = !on;
          group.disabled = !on;
        });
      }
      select.addEventListener('change', apply);
      apply();
    });
    init(document);
    setInterval(tickElapsed, 1000);
  });
  document.addEventListener('htmx:load', function (e) {
    if (e.target && e.target.querySelectorAll) {
      e.target.querySelectorAll('[data-sse]').forEach(attachSse);
    }
  });
})();
