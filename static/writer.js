// Signed-in pages mark this browser as a writer's, so that public post pages ask whether to
// show an Edit link (see edit-link.js); signing out takes the mark away. Readers who never
// sign in are never marked, and their browsers never ask.
try {
  localStorage.setItem('chorus:writer', '1');
  document.querySelectorAll('form[action="/logout"]').forEach((form) => {
    form.addEventListener('submit', () => localStorage.removeItem('chorus:writer'));
  });
} catch {
  // Storage may be off; public pages then show no Edit link, and the editor's list remains.
}
