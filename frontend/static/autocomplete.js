// Suggestions under a search box as the reader types (the ARIA 1.2 combobox pattern):
// arrow keys move through them, Enter takes one, Escape closes them. The box is a plain
// search form without JavaScript, and stays one with it.
const QUERY = 'query($prefix: String!, $tenant: String, $scope: SearchScope) { autocomplete(prefix: $prefix, tenant: $tenant, scope: $scope, first: 8) { text kind } }';

for (const input of document.querySelectorAll('input[data-autocomplete]')) {
  const form = input.form;
  const list = document.createElement('ul');
  list.id = `${input.id}-suggestions`;
  list.className = 'suggestions';
  list.setAttribute('role', 'listbox');
  list.setAttribute('aria-label', 'Suggestions');
  list.hidden = true;
  input.insertAdjacentElement('afterend', list);
  const status = document.createElement('div');
  status.className = 'visually-hidden';
  status.setAttribute('role', 'status');
  list.insertAdjacentElement('afterend', status);
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-controls', list.id);
  input.setAttribute('aria-expanded', 'false');
  input.setAttribute('autocomplete', 'off');

  let active = -1;
  let pending = null;
  let asked = '';

  const close = () => {
    list.hidden = true;
    list.replaceChildren();
    active = -1;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
  };
  const choose = (text) => {
    input.value = text;
    close();
    form.requestSubmit ? form.requestSubmit() : form.submit();
  };
  const highlight = (index) => {
    const options = list.querySelectorAll('[role=option]');
    options.forEach((option, position) => option.setAttribute('aria-selected', String(position === index)));
    active = index;
    if (index >= 0 && options[index]) input.setAttribute('aria-activedescendant', options[index].id);
    else input.removeAttribute('aria-activedescendant');
  };
  const show = (suggestions) => {
    list.replaceChildren();
    suggestions.forEach((suggestion, index) => {
      const option = document.createElement('li');
      option.id = `${list.id}-${index}`;
      option.setAttribute('role', 'option');
      option.setAttribute('aria-selected', 'false');
      option.textContent = suggestion.text;
      option.addEventListener('mousedown', (event) => { event.preventDefault(); choose(suggestion.text); });
      list.append(option);
    });
    list.hidden = suggestions.length === 0;
    input.setAttribute('aria-expanded', String(suggestions.length > 0));
    status.textContent = suggestions.length ? `${suggestions.length} suggestions. Use the up and down arrows to choose one.` : '';
    active = -1;
  };
  const ask = async () => {
    const prefix = input.value.trim();
    if (prefix.length < 2) { close(); return; }
    if (prefix === asked) return;
    asked = prefix;
    const variables = { prefix, tenant: input.dataset.tenant || null, scope: input.dataset.tenant ? 'LIBRARY' : 'EVERYWHERE' };
    const url = `/graphql?query=${encodeURIComponent(QUERY)}&variables=${encodeURIComponent(JSON.stringify(variables))}`;
    try {
      const response = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'omit' });
      const body = await response.json();
      if (input.value.trim() === prefix) show(body?.data?.autocomplete ?? []);
    } catch (error) {
      close();
    }
  };
  input.addEventListener('input', () => {
    window.clearTimeout(pending);
    pending = window.setTimeout(ask, 150);
  });
  input.addEventListener('keydown', (event) => {
    const options = list.querySelectorAll('[role=option]');
    if (event.key === 'ArrowDown' && options.length) {
      event.preventDefault();
      highlight((active + 1) % options.length);
    } else if (event.key === 'ArrowUp' && options.length) {
      event.preventDefault();
      highlight(active <= 0 ? options.length - 1 : active - 1);
    } else if (event.key === 'Enter' && active >= 0 && options[active]) {
      event.preventDefault();
      choose(options[active].textContent);
    } else if (event.key === 'Escape') {
      close();
    }
  });
  input.addEventListener('blur', () => window.setTimeout(close, 100));
}
