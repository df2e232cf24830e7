// Reading aids on a post page; the page is complete without them.
// - A copy button on each code block.
// - How long ago each comment was written ("3 hours ago"), beside the date and time the
//   server wrote: a cached page cannot know how old it is when it is read.

document.querySelectorAll('pre.hl-code').forEach((pre) => {
  if (!navigator.clipboard) return;
  const wrap = document.createElement('div');
  wrap.className = 'code-block';
  pre.parentNode.insertBefore(wrap, pre);
  wrap.appendChild(pre);
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'copy-code';
  button.textContent = 'Copy';
  button.setAttribute('aria-label', 'Copy code');
  wrap.appendChild(button);
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(pre.textContent);
      button.textContent = 'Copied';
    } catch {
      button.textContent = 'Select and copy';
    }
    setTimeout(() => { button.textContent = 'Copy'; }, 2000);
  });
});

const units = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];
const say = window.Intl && Intl.RelativeTimeFormat
  ? new Intl.RelativeTimeFormat(document.documentElement.lang || undefined, { numeric: 'auto' })
  : null;
function ago(seconds) {
  for (const [unit, size] of units) {
    if (seconds >= size) return say.format(-Math.floor(seconds / size), unit);
  }
  return say.format(0, 'minute');
}
function relativeTimes() {
  document.querySelectorAll('time[data-relative]').forEach((time) => {
    const when = Date.parse(time.getAttribute('datetime'));
    if (Number.isNaN(when)) return;
    let note = time.nextElementSibling;
    if (!note || !note.classList.contains('ago')) {
      note = document.createElement('span');
      note.className = 'ago';
      time.after(note);
    }
    note.textContent = ' (' + ago(Math.max(0, (Date.now() - when) / 1000)) + ')';
  });
}
if (say) {
  relativeTimes();
  setInterval(relativeTimes, 60 * 1000);
}
