// Walking a page with the keyboard alone: where each Tab lands, whether the focus can be
// seen there, and whether the Tab order follows the reading order.

'use strict';

const assert = require('node:assert/strict');

/**
 * Numbers the page's tabbable elements in document order (`data-reading-order`), so
 * that where a Tab lands can be compared with where it should. Returns how many there
 * are.
 */
async function numberTabbables(page) {
  return page.evaluate(() => {
    const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]';
    let index = 0;
    for (const element of document.querySelectorAll(selector)) {
      element.removeAttribute('data-reading-order');
      if (element.disabled || element.tabIndex < 0) continue;
      const style = getComputedStyle(element);
      if (style.visibility === 'hidden' || style.display === 'none') continue;
      if (element.closest('[hidden], [inert]')) continue;
      // A group of radios is one stop: the checked one, or the first when none is.
      if (element.type === 'radio' && element.name) {
        const group = [...document.getElementsByName(element.name)].filter((radio) => radio.type === 'radio' && radio.form === element.form);
        const stop = group.find((radio) => radio.checked) || group[0];
        if (stop !== element) continue;
      }
      // Off-screen skip links count: they appear when focused.
      const box = element.getBoundingClientRect();
      if (box.width === 0 && box.height === 0 && !element.matches('.skip-link')) continue;
      element.setAttribute('data-reading-order', String(index));
      index += 1;
    }
    return index;
  });
}

/**
 * Presses Tab and describes where the focus went: the element, its name, its place in
 * the reading order, and whether its focus indicator can be seen (an outline, a box
 * shadow, or a background that differs from the element's own) inside the viewport.
 */
async function tab(page, key = 'Tab') {
  await page.keyboard.press(key);
  return focused(page);
}

/** Describes the element that has the focus (see `tab`). */
async function focused(page) {
  return page.evaluate(() => {
    const element = document.activeElement;
    if (!element || element === document.body) return { tag: 'body', name: '', order: null, within: [], focusVisible: false, indicator: false, inViewport: false, describe: '<body>' };
    const style = getComputedStyle(element);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 1;
    const shadow = style.boxShadow && style.boxShadow !== 'none';
    const box = element.getBoundingClientRect();
    const inViewport = box.bottom > 0 && box.right > 0 && box.top < window.innerHeight && box.left < window.innerWidth
      && box.width > 0 && box.height > 0;
    const label = element.labels && element.labels.length > 0 ? element.labels[0].textContent : '';
    return {
      tag: element.tagName.toLowerCase(),
      id: element.id,
      name: (element.getAttribute('aria-label') || label || element.textContent || element.value || '').replace(/\s+/g, ' ').trim(),
      // The lists, landmarks, forms and classed boxes it is in, e.g. ['ol.results', 'main#main'].
      within: [...(function* ancestors(node) {
        for (let at = node.parentElement; at; at = at.parentElement) {
          if (/^(ol|ul|nav|header|footer|main|form|table)$/i.test(at.tagName) || at.classList.length > 0 || at.hasAttribute('role')) {
            yield `${at.tagName.toLowerCase()}${at.id ? `#${at.id}` : ''}${at.classList.length ? `.${[...at.classList].join('.')}` : ''}`;
          }
        }
      }(element))],
      order: element.hasAttribute('data-reading-order') ? Number(element.getAttribute('data-reading-order')) : null,
      focusVisible: element.matches(':focus-visible'),
      indicator: outline || shadow,
      inViewport,
      describe: `<${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}> ${element.outerHTML.replace(/\s+/g, ' ').slice(0, 100)}`,
    };
  });
}

/**
 * Tabs through the whole page from where the focus is (at most `limit` stops) and fails
 * unless the focus goes through the tabbable elements in reading order, each showing a
 * visible focus indicator inside the viewport. Returns the stops.
 */
async function walkTabOrder(page, { limit = 400 } = {}) {
  const count = await numberTabbables(page);
  assert.ok(count > 0, `${page.url()} has nothing to tab to`);
  const stops = [];
  let previous = -1;
  for (let step = 0; step < Math.min(count, limit); step += 1) {
    const stop = await tab(page);
    stops.push(stop);
    assert.notEqual(stop.order, null, `Tab ${step + 1} on ${page.url()} went to an element out of the reading order: ${stop.describe || stop.tag}`);
    assert.equal(stop.order, previous + 1,
      `Tab ${step + 1} on ${page.url()} skipped or went back in the reading order (from ${previous} to ${stop.order}): ${stop.describe}`);
    assert.ok(stop.focusVisible && stop.indicator,
      `Tab ${step + 1} on ${page.url()} reached ${stop.describe} with no visible focus indicator`);
    assert.ok(stop.inViewport, `Tab ${step + 1} on ${page.url()} reached ${stop.describe} outside the viewport`);
    previous = stop.order;
  }
  return stops;
}

/**
 * Tabs until the focus is on an element whose name is `wanted` (a string or a pattern),
 * or for which `wanted(stop)` is true, and returns it; fails after `limit` presses.
 */
async function tabUntil(page, wanted, { limit = 300 } = {}) {
  const matches = typeof wanted === 'function' ? wanted
    : (stop) => (typeof wanted === 'string' ? stop.name === wanted : wanted.test(stop.name));
  for (let step = 0; step < limit; step += 1) {
    const stop = await tab(page);
    if (matches(stop)) return stop;
  }
  assert.fail(`Tab never reached ${wanted} on ${page.url()} in ${limit} presses`);
  return null;
}

module.exports = { numberTabbables, tab, focused, walkTabOrder, tabUntil };
