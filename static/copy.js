// Copy buttons for links shown once (invites, password resets): each `button[data-copy]`
// copies the value of the field whose id it names. Without this script the buttons stay
// hidden and the link is there to select and copy by hand.
document.querySelectorAll('button[data-copy]').forEach((button) => {
  const field = document.getElementById(button.dataset.copy);
  if (!field || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(field.value);
      button.textContent = 'Copied';
    } catch {
      field.select();
    }
  });
});
