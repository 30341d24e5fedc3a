// The emulator's Secrets page: the same REST calls as any client, no framework, nothing
// loaded from elsewhere. Text from the server only ever reaches the page through
// textContent and attributes, never as markup. The token lives in sessionStorage (this tab
// only) and travels in the Authorization header; it is never put in a URL, a cookie or a log.
'use strict';

(() => {
  const TOKEN_KEY = 'clarifai-emulator-token';
  const SECRETS = '/v2/users/me/secrets';
  const PER_PAGE = 1000; // Clarifai's documented maximum
  const MAX_PAGES = 1000;
  const OK = 10000;

  const $ = (id) => document.getElementById(id);

  /** Secrets as listed, without their values: a value enters the page only when asked for. */
  let secrets = [];
  /** Ids whose value is on screen, with the value. */
  const shown = new Map();
  let editing = null;
  let deleting = null;

  class ApiError extends Error {
    constructor(message, signIn) {
      super(message);
      this.signIn = signIn;
    }
  }

  // ---- the API ----

  async function api(method, path, body) {
    const headers = { Authorization: `Key ${sessionStorage.getItem(TOKEN_KEY) ?? ''}` };
    const init = { method, headers, cache: 'no-store', credentials: 'omit', redirect: 'error', referrerPolicy: 'no-referrer' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch {
      throw new ApiError('Could not reach the emulator: is it still running?', false);
    }
    let json;
    try {
      json = await response.json();
    } catch {
      json = undefined;
    }
    const status = json && typeof json === 'object' ? json.status : undefined;
    if (!status || typeof status !== 'object') {
      throw new ApiError(`The server answered HTTP ${response.status} without Clarifai's JSON.`, response.status === 401);
    }
    if (Number(status.code) === OK) return json;
    throw new ApiError(clarifaiMessage(status), response.status === 401);
  }

  /** Clarifai's own words: the description, its details when it gave any, and the code. */
  function clarifaiMessage(status) {
    const description = typeof status.description === 'string' && status.description ? status.description : 'Request failed';
    const details = typeof status.details === 'string' && status.details ? `: ${status.details}` : '';
    return `${description}${details} (code ${status.code})`;
  }

  const itemPath = (id) => `${SECRETS}/${encodeURIComponent(id)}`;

  async function listAll() {
    const all = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const json = await api('GET', `${SECRETS}?page=${page}&per_page=${PER_PAGE}`);
      const items = Array.isArray(json.secrets) ? json.secrets : [];
      if (items.length === 0) return all;
      for (const s of items) {
        all.push({
          id: String(s.id ?? ''),
          description: typeof s.description === 'string' ? s.description : '',
          version: Number.isInteger(s.version) ? s.version : 0,
          modifiedAt: typeof s.modified_at === 'string' ? s.modified_at : '',
        });
      }
    }
    return all;
  }

  async function valueOf(id) {
    const json = await api('GET', itemPath(id));
    return json.secret && typeof json.secret.value === 'string' ? json.secret.value : '';
  }

  // ---- messages ----

  function say(text) {
    $('error').hidden = true;
    $('message').textContent = text;
  }

  function fail(error) {
    if (error instanceof ApiError && error.signIn) {
      signOut(error.message);
      return;
    }
    $('message').textContent = '';
    $('error').textContent = `Error: ${error instanceof Error ? error.message : String(error)}`;
    $('error').hidden = false;
  }

  /** Runs an action with its buttons disabled, reporting any failure. */
  async function act(button, fn) {
    if (button) button.disabled = true;
    try {
      await fn();
    } catch (error) {
      fail(error);
    } finally {
      if (button) button.disabled = false;
    }
  }

  // ---- signing in and out ----

  function showSignIn(message) {
    $('secrets').hidden = true;
    $('sign-out').hidden = true;
    $('sign-in').hidden = false;
    $('sign-in-error').textContent = message ? `Error: ${message}` : '';
    $('sign-in-error').hidden = !message;
    $('token').value = '';
    $('token').focus();
  }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    secrets = [];
    shown.clear();
    $('rows').replaceChildren();
    closeForms();
    say('');
    showSignIn(message);
  }

  async function signIn(event) {
    event.preventDefault();
    const token = $('token').value.trim();
    if (!token) {
      showSignIn('Enter the token first.');
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, token);
    $('token').value = '';
    const submit = event.submitter ?? null;
    if (submit) submit.disabled = true;
    try {
      await refresh();
    } catch (error) {
      // Whatever went wrong, the sign-in form stays, with the reason (Clarifai's, for a bad token).
      sessionStorage.removeItem(TOKEN_KEY);
      showSignIn(error instanceof Error ? error.message : String(error));
      return;
    } finally {
      if (submit) submit.disabled = false;
    }
    $('sign-in').hidden = true;
    $('secrets').hidden = false;
    $('sign-out').hidden = false;
    say('Signed in.');
    $('new-secret').focus();
  }

  // ---- the list ----

  async function refresh() {
    secrets = await listAll();
    const compare = new Intl.Collator('en', { numeric: true, sensitivity: 'variant' }).compare;
    secrets.sort((a, b) => compare(a.id, b.id) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const id of [...shown.keys()]) if (!secrets.some((s) => s.id === id)) shown.delete(id);
    render();
  }

  function render() {
    $('secrets-title').textContent = `Secrets (${secrets.length})`;
    $('empty').hidden = secrets.length > 0;
    $('table').hidden = secrets.length === 0;
    $('rows').replaceChildren(...secrets.map(row));
  }

  function cell(className, ...children) {
    const td = document.createElement('td');
    if (className) td.className = className;
    td.append(...children);
    return td;
  }

  function button(label, ariaLabel, onClick) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.setAttribute('aria-label', ariaLabel);
    b.addEventListener('click', () => onClick(b));
    return b;
  }

  function readableTime(rfc3339) {
    const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(rfc3339);
    return m ? `${m[1]} ${m[2]} UTC` : rfc3339;
  }

  function row(secret) {
    const tr = document.createElement('tr');
    tr.dataset.secretId = secret.id;

    const description = secret.description ? secret.description : '';
    const time = document.createElement('time');
    time.dateTime = secret.modifiedAt;
    time.title = secret.modifiedAt;
    time.textContent = readableTime(secret.modifiedAt);

    const valueCell = cell('value');
    const isShown = shown.has(secret.id);
    if (isShown) {
      const pre = document.createElement('pre');
      pre.className = 'shown-value';
      pre.textContent = shown.get(secret.id);
      valueCell.append(pre);
    } else {
      const hidden = document.createElement('span');
      hidden.className = 'hidden-value';
      hidden.textContent = '•••••••• (hidden)';
      valueCell.append(hidden);
    }

    const actions = document.createElement('div');
    actions.className = 'actions';
    const view = button(isShown ? 'Hide' : 'View', `${isShown ? 'Hide' : 'View'} the value of ${secret.id}`, (b) => toggleValue(secret.id, b));
    view.setAttribute('aria-pressed', String(isShown));
    actions.append(
      view,
      button('Copy', `Copy the value of ${secret.id}`, (b) => copyValue(secret.id, b)),
      button('Edit', `Edit ${secret.id}`, () => openEdit(secret)),
      button('Delete', `Delete ${secret.id}`, () => askDelete(secret.id)),
    );

    tr.append(
      cell('id', secret.id),
      cell('description', description),
      cell('version', secret.version ? String(secret.version) : ''),
      cell('modified', time),
      valueCell,
      cell('', actions),
    );
    return tr;
  }

  function focusRowButton(id, label) {
    const tr = [...$('rows').children].find((r) => r.dataset.secretId === id);
    const target = tr && [...tr.querySelectorAll('button')].find((b) => b.textContent === label);
    if (target) target.focus();
  }

  // ---- view, copy ----

  async function toggleValue(id, b) {
    if (shown.has(id)) {
      shown.delete(id);
      render();
      focusRowButton(id, 'View');
      return;
    }
    await act(b, async () => {
      shown.set(id, await valueOf(id));
      render();
      focusRowButton(id, 'Hide');
    });
  }

  async function copyValue(id, b) {
    await act(b, async () => {
      if (!navigator.clipboard || !window.isSecureContext) {
        throw new Error('copying needs the clipboard API, which browsers give only to secure pages: open this page as http://localhost:PORT or http://127.0.0.1:PORT');
      }
      const value = await valueOf(id);
      await navigator.clipboard.writeText(value);
      say(`Copied the value of ${id} to the clipboard.`);
    });
  }

  // ---- create ----

  function closeForms() {
    $('create-form').hidden = true;
    $('edit-form').hidden = true;
    $('new-secret').setAttribute('aria-expanded', 'false');
    $('create-form').reset();
    $('edit-form').reset();
    editing = null;
  }

  function openCreate() {
    closeForms();
    $('create-form').hidden = false;
    $('new-secret').setAttribute('aria-expanded', 'true');
    $('create-id').focus();
  }

  async function create(event) {
    event.preventDefault();
    const secret = { id: $('create-id').value, value: $('create-value').value };
    const description = $('create-description').value;
    if (description) secret.description = description;
    await act(event.submitter ?? null, async () => {
      await api('POST', SECRETS, { secrets: [secret] });
      closeForms();
      await refresh();
      say(`Created ${secret.id}.`);
      focusRowButton(secret.id, 'View');
    });
  }

  // ---- edit ----

  function openEdit(secret) {
    closeForms();
    editing = secret;
    $('edit-name').textContent = secret.id;
    $('edit-description').value = secret.description;
    $('edit-value').value = '';
    $('edit-form').hidden = false;
    $('edit-description').focus();
  }

  async function save(event) {
    event.preventDefault();
    if (!editing) return;
    const before = editing;
    const patch = { id: before.id };
    const description = $('edit-description').value;
    const value = $('edit-value').value;
    if (description !== before.description) {
      if (description === '') {
        // proto3: an empty string is the same as a field not sent, so it cannot clear one.
        fail(new Error("Clarifai's API cannot clear a description (an empty one is the same as none sent). Type a new one, or leave it as it was."));
        return;
      }
      patch.description = description;
    }
    if (value !== '') patch.value = value;
    if (Object.keys(patch).length === 1) {
      say(`Nothing to save for ${before.id}: the description is unchanged and no new value was typed.`);
      return;
    }
    await act(event.submitter ?? null, async () => {
      await api('PATCH', SECRETS, { secret: [patch], action: 'overwrite' });
      closeForms();
      shown.delete(before.id);
      await refresh();
      const what = [patch.value !== undefined ? 'value' : '', patch.description !== undefined ? 'description' : ''].filter(Boolean).join(' and ');
      say(`Saved the ${what} of ${before.id}.`);
      focusRowButton(before.id, 'Edit');
    });
  }

  // ---- delete ----

  function askDelete(id) {
    deleting = id;
    $('confirm-name').textContent = id;
    $('confirm-delete').returnValue = '';
    $('confirm-delete').showModal();
  }

  async function confirmed() {
    // A close queued before the dialog was opened again (Escape, then Delete at once) belongs
    // to the earlier opening: acting on it would take the new one's id and drop its answer.
    if ($('confirm-delete').open) return;
    const id = deleting;
    deleting = null;
    if ($('confirm-delete').returnValue !== 'delete' || id === null) {
      if (id !== null) focusRowButton(id, 'Delete');
      return;
    }
    await act(null, async () => {
      await api('DELETE', SECRETS, { ids: [id] });
      shown.delete(id);
      if (editing && editing.id === id) closeForms();
      await refresh();
      say(`Deleted ${id}.`);
      $('new-secret').focus();
    });
  }

  // ---- start ----

  function start() {
    $('sign-in-form').addEventListener('submit', signIn);
    $('sign-out').addEventListener('click', () => signOut(''));
    $('new-secret').addEventListener('click', openCreate);
    $('create-form').addEventListener('submit', create);
    // Closing a form puts focus back on the button that opened it.
    const cancelCreate = () => {
      closeForms();
      $('new-secret').focus();
    };
    const cancelEdit = () => {
      const id = editing && editing.id;
      closeForms();
      if (id) focusRowButton(id, 'Edit');
    };
    $('create-cancel').addEventListener('click', cancelCreate);
    $('edit-form').addEventListener('submit', save);
    $('edit-cancel').addEventListener('click', cancelEdit);
    $('confirm-delete').addEventListener('close', confirmed);
    document.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape' || $('confirm-delete').open) return;
      if (!$('create-form').hidden) cancelCreate();
      else if (!$('edit-form').hidden) cancelEdit();
    });

    if (!sessionStorage.getItem(TOKEN_KEY)) {
      showSignIn('');
      return;
    }
    $('secrets').hidden = false;
    $('sign-out').hidden = false;
    act(null, refresh);
  }

  start();
})();
