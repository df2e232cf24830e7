// A post page is the same for every reader (it is rendered once and cached), so it does not
// say who may edit it. In a browser where a writer signed in (see writer.js), this asks the
// server, privately, and shows the Edit link to those who may use it. The editor itself
// checks who may change what.
(async () => {
  const slot = document.querySelector('.edit-link[data-can-edit]');
  if (!slot) return;
  let writer = false;
  try {
    writer = localStorage.getItem('chorus:writer') === '1';
  } catch {
    return;
  }
  if (!writer) return;
  try {
    const res = await fetch(slot.dataset.canEdit, {
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { Accept: 'application/json' },
    });
    if (!res.ok) return;
    const answer = await res.json();
    if (!answer.signed_in) {
      localStorage.removeItem('chorus:writer');
      return;
    }
    if (typeof answer.edit !== 'string' || !answer.edit.startsWith('/editor/')) return;
    const link = document.createElement('a');
    link.href = answer.edit;
    link.textContent = 'Edit this post';
    slot.append(link);
    slot.hidden = false;
  } catch {
    // No link, then: the editor's list of posts is the way in.
  }
})();
