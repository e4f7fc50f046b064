// The desk without page loads: a scan (a barcode typed and Enter) posts its form in the
// background, and the desk as the server then draws it replaces the old one, with the
// focus back in the scan field, so the next copy can be scanned at once. Without
// JavaScript the same forms post and redirect as plain pages.
const live = document.createElement('div');
live.className = 'visually-hidden';
live.setAttribute('role', 'status');
document.body.append(live);

async function send(form, submitter) {
  const fields = new URLSearchParams(new FormData(form, submitter));
  const method = (form.getAttribute('method') || 'get').toLowerCase();
  if (method === 'post') {
    return fetch(form.action, { method: 'POST', body: fields, credentials: 'same-origin', headers: { Accept: 'text/html' } });
  }
  const address = new URL(form.action);
  address.search = fields.toString();
  return fetch(address, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
}

document.addEventListener('submit', async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.closest('[data-desk]')) return;
  event.preventDefault();
  let page;
  let response;
  try {
    response = await send(form, event.submitter);
    page = new DOMParser().parseFromString(await response.text(), 'text/html');
  } catch {
    form.submit();
    return;
  }
  const fresh = page.querySelector('main');
  const old = document.querySelector('main');
  if (!fresh || !old || !fresh.querySelector('[data-desk]')) {
    window.location.assign(response.url);
    return;
  }
  old.replaceWith(fresh);
  document.title = page.title;
  window.history.pushState(null, '', response.url);
  const said = fresh.querySelector('.desk-outcome, .error-summary');
  live.textContent = said ? said.textContent.trim().replace(/\s+/g, ' ') : '';
  const scan = fresh.querySelector('[autofocus]');
  if (scan) scan.focus();
});

window.addEventListener('popstate', () => window.location.reload());
