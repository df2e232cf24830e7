// The account page offers this browser's time zone. While the stored zone is still the
// default (UTC) and the browser is elsewhere, the browser's zone is chosen in the menu and a
// note says so: saving keeps it. Otherwise a button offers it. Without this script the menu
// shows the stored zone, to change by hand.
(() => {
  const select = document.getElementById('time_zone');
  const note = document.getElementById('zone-browser');
  if (!select || !note || !window.Intl) return;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone || zone === select.value) return;
  if (![...select.options].some((o) => o.value === zone)) return;
  if (select.dataset.stored === 'UTC') {
    select.value = zone;
    note.textContent = 'Chosen from this browser: ' + zone + '. Save to keep it.';
  } else {
    const use = document.createElement('button');
    use.type = 'button';
    use.className = 'secondary';
    use.textContent = 'Use this browser’s zone, ' + zone;
    use.addEventListener('click', () => {
      select.value = zone;
      note.textContent = zone + ' is chosen. Save to keep it.';
    });
    note.append(use);
  }
  note.hidden = false;
})();
