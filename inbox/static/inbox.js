// The inbox's small helpers: live SMS counter, drafts kept on this device, the list poller, one-click buttons.
(function () {
  'use strict';

  // Mirrors replies/segments.py: GSM-7 (160, or 153 per part) when every character is in the
  // GSM alphabet (extension characters count twice), else UCS-2 (70, or 67 per part).
  var GSM_BASIC = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
  var GSM_EXTENDED = '^{}\\[~]|€\f';

  function split(encoding, units, single, multi) {
    if (units <= single) {
      return { encoding: encoding, units: units, count: units ? 1 : 0, remaining: single - units };
    }
    var parts = Math.ceil(units / multi);
    return { encoding: encoding, units: units, count: parts, remaining: parts * multi - units };
  }

  function segments(text) {
    var units = 0, gsm = true;
    for (var ch of text) {
      if (GSM_EXTENDED.indexOf(ch) >= 0) { units += 2; }
      else if (GSM_BASIC.indexOf(ch) >= 0) { units += 1; }
      else { gsm = false; break; }
    }
    if (gsm) { return split('GSM-7', units, 160, 153); }
    return split('UCS-2', text.length, 70, 67);  // JS strings are UTF-16 code units already
  }
  window.baroSegments = segments;

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_m, key) { return String(values[key]); });
  }

  function bindCounter(area) {
    var out = document.getElementById(area.dataset.counter);
    if (!out) { return; }
    var max = parseInt(out.dataset.max, 10);
    function update() {
      if (!area.value) { out.textContent = ''; return; }
      var s = segments(area.value);
      var chars = Array.from(area.value).length;
      out.textContent = format(out.dataset.template, { chars: chars, segments: s.count, left: s.remaining });
      if (s.count > max) { out.textContent += ' — ' + out.dataset.tooLong; }
      out.classList.toggle('multi', s.count > 1);
      out.classList.toggle('too-long', s.count > max);
    }
    area.addEventListener('input', update);
    update();
  }

  // What staff type is kept on this device until the server confirms it, so an expired
  // session, a stale form or a lost connection loses nothing.
  function bindDraft(area) {
    var key = area.dataset.draftKey;
    try {
      if (!area.value && localStorage.getItem(key)) { area.value = localStorage.getItem(key); }
      area.addEventListener('input', function () {
        if (area.value) { localStorage.setItem(key, area.value); } else { localStorage.removeItem(key); }
      });
    } catch (e) { /* storage disabled: drafts are not kept */ }
  }

  function clearConfirmedDraft() {
    var marker = document.getElementById('done-marker');
    if (!marker || !marker.dataset.done) { return; }
    var area = document.querySelector('[data-draft-key="baro-draft-' + marker.dataset.case + '-' + marker.dataset.done + '"]');
    try { localStorage.removeItem('baro-draft-' + marker.dataset.case + '-' + marker.dataset.done); } catch (e) { /* ignore */ }
    if (area) { area.value = ''; area.dispatchEvent(new Event('input')); }
    var url = new URL(window.location.href);
    url.searchParams.delete('done');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
  }

  function bindOnce(form) {
    form.addEventListener('submit', function () {
      form.querySelectorAll('button[data-once]').forEach(function (b) {
        setTimeout(function () { b.disabled = true; }, 0);  // after the browser has taken the click
      });
    });
  }

  function startPolling(box) {
    var seconds = parseInt(box.dataset.pollSeconds, 10) || 5;
    var live = document.querySelector('.live');
    function known() {
      return new Set(Array.from(box.querySelectorAll('[data-case-id]')).map(function (el) { return el.dataset.caseId; }));
    }
    async function poll() {
      try {
        var response = await fetch(box.dataset.poll, { headers: { 'X-Requested-With': 'fetch' }, credentials: 'same-origin' });
        if (response.status === 401) {
          document.getElementById('session-expired').hidden = false;
          if (live) { live.classList.add('offline'); }
          return;  // stop: signing in again reloads the page
        }
        if (response.ok) {
          var before = known();
          var html = await response.text();
          if (html !== box.dataset.lastHtml) {
            box.innerHTML = html;
            box.dataset.lastHtml = html;
            box.querySelectorAll('[data-case-id]').forEach(function (el) {
              if (!before.has(el.dataset.caseId)) { el.classList.add('arrived'); }
            });
          }
          if (live) { live.classList.remove('offline'); }
        }
      } catch (e) {
        if (live) { live.classList.add('offline'); }
      }
      setTimeout(poll, seconds * 1000);
    }
    setTimeout(poll, seconds * 1000);
  }

  document.addEventListener('DOMContentLoaded', function () {
    clearConfirmedDraft();
    document.querySelectorAll('textarea[data-draft-key]').forEach(bindDraft);
    document.querySelectorAll('textarea[data-counter]').forEach(bindCounter);
    document.querySelectorAll('form').forEach(bindOnce);
    var box = document.getElementById('case-list');
    if (box && box.dataset.poll) { startPolling(box); }
  });
})();
