// Keeps a region of a page current while something runs (an import's progress): every
// element with data-refresh is fetched again from its page each second, and replaced
// by the same element of the fresh page, until that element no longer asks to be
// refreshed. Without JavaScript the page says to reload it instead.
const regions = document.querySelectorAll('[data-refresh]');
for (const region of regions) {
  const hint = region.querySelector('[data-reload-hint]');
  if (hint) hint.hidden = true;
  const interval = Number(region.dataset.refresh) || 1000;
  const refresh = async () => {
    let fresh;
    try {
      const response = await fetch(window.location.href, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
      if (!response.ok) throw new Error(String(response.status));
      const page = new DOMParser().parseFromString(await response.text(), 'text/html');
      fresh = page.getElementById(region.id);
    } catch (error) {
      window.setTimeout(refresh, interval * 3);
      return;
    }
    if (!fresh) return;
    region.innerHTML = fresh.innerHTML;
    const freshHint = region.querySelector('[data-reload-hint]');
    if (freshHint) freshHint.hidden = true;
    if (fresh.hasAttribute('data-refresh')) {
      window.setTimeout(refresh, interval);
    } else {
      region.removeAttribute('data-refresh');
      // The whole page may have more to show now (the problem report).
      window.location.reload();
    }
  };
  window.setTimeout(refresh, interval);
}
