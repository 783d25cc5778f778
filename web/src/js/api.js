// Talking to the jic server: bearer-token reads, signed submissions, and the SSE event stream.
//
// The token (per role, issued by `jic init`/`jic demo`) lives in sessionStorage: it survives a
// reload of this tab and is gone when the tab closes. The server decides what each role sees;
// this module never filters anything itself.

const TOKEN_KEY = 'jic.token';
export const API = '/api/v1';

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

function authHeaders(extra = {}) {
  const t = token();
  return t ? { ...extra, Authorization: `Bearer ${t}` } : extra;
}

/** An error answered by the server as RFC 9457 problem+json (or anything else non-2xx). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

async function parseError(response) {
  let problem = null;
  try { problem = await response.json(); } catch { /* not JSON */ }
  return new ApiError(response.status, problem);
}

/** GET a JSON resource. Resolves to `null` when the server has no such endpoint (404/405/501). */
export async function getJson(path) {
  const response = await fetch(API + path, { headers: authHeaders({ Accept: 'application/json, application/geo+json' }) });
  if ([404, 405, 501].includes(response.status)) return null;
  if (!response.ok) throw await parseError(response);
  return response.json();
}

/**
 * GET a list as the server's log recorded it at instant `iso` (`?as_of=`). Resolves to
 * `{status, data}`; `data` is null unless the answer was 2xx, so the caller can tell a server
 * that refuses the parameter (400) or lacks the list (404) from one that answered.
 */
export async function getAsOf(path, iso) {
  const response = await fetch(`${API}${path}?as_of=${encodeURIComponent(iso)}`, { headers: authHeaders({ Accept: 'application/json' }) });
  if (!response.ok) return { status: response.status, data: null };
  return { status: response.status, data: await response.json() };
}

/** POST a signed wire object `{envelope, sig[, payload, salt]}` to `path`. */
export async function submit(path, wire) {
  const response = await fetch(API + path, {
    method: 'POST',
    headers: authHeaders({ 'Content-Type': 'application/json', Accept: 'application/json' }),
    body: JSON.stringify(wire),
  });
  if (!response.ok) throw await parseError(response);
  const text = await response.text();
  return text ? JSON.parse(text) : {};
}

/**
 * Follows `/api/v1/events` (Server-Sent Events). EventSource cannot send an Authorization
 * header, so this reads the stream with fetch and parses the SSE framing itself (WHATWG HTML
 * §9.2.6): `event:`, `data:` (joined with newlines), `id:` (remembered and sent back as
 * `Last-Event-ID` on reconnect, so nothing is missed), `retry:`, comments.
 *
 * `onEvent({type, data, id})` gets every event (`data` parsed as JSON when it is JSON);
 * `onState('connected' | 'reconnecting' | 'offline')` tracks the connection. Returns `stop()`.
 */
export function followEvents(onEvent, onState) {
  let lastEventId = null;
  let retryMs = 1000;
  let failures = 0;
  let controller = null;
  let stopped = false;
  let timer = null;

  const schedule = () => {
    if (stopped) return;
    failures += 1;
    onState(navigator.onLine === false || failures > 5 ? 'offline' : 'reconnecting');
    const delay = Math.min(retryMs * 2 ** Math.min(failures - 1, 4), 15000);
    timer = setTimeout(connect, delay);
  };

  async function connect() {
    if (stopped) return;
    controller = new AbortController();
    const headers = authHeaders({ Accept: 'text/event-stream' });
    if (lastEventId !== null) headers['Last-Event-ID'] = lastEventId;
    let response;
    try {
      response = await fetch(API + '/events', { headers, signal: controller.signal, cache: 'no-store' });
    } catch {
      schedule();
      return;
    }
    if (!response.ok || !response.body) {
      if (response.status === 401 || response.status === 403 || response.status === 404) {
        stopped = response.status === 404; // no event stream on this server: stay offline
        onState('offline');
        if (!stopped) timer = setTimeout(connect, 15000);
        return;
      }
      schedule();
      return;
    }
    failures = 0;
    onState('connected');
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let event = { type: 'message', data: [], id: null };
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let newline;
        while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
          if (line === '') {
            if (event.data.length > 0) {
              if (event.id !== null) lastEventId = event.id;
              const text = event.data.join('\n');
              let data = text;
              try { data = JSON.parse(text); } catch { /* plain text event */ }
              try { onEvent({ type: event.type, data, id: event.id ?? lastEventId }); } catch (e) { console.error(e); }
            }
            event = { type: 'message', data: [], id: null };
            continue;
          }
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          let fieldValue = colon < 0 ? '' : line.slice(colon + 1);
          if (fieldValue.startsWith(' ')) fieldValue = fieldValue.slice(1);
          if (field === 'event') event.type = fieldValue;
          else if (field === 'data') event.data.push(fieldValue);
          else if (field === 'id' && !fieldValue.includes('\0')) event.id = fieldValue;
          else if (field === 'retry' && /^\d+$/.test(fieldValue)) retryMs = Number(fieldValue);
        }
      }
    } catch {
      /* network drop: fall through to reconnect */
    }
    schedule();
  }

  window.addEventListener('online', () => { if (!stopped && failures > 0) { clearTimeout(timer); connect(); } });
  connect();
  return () => { stopped = true; clearTimeout(timer); controller?.abort(); onState('offline'); };
}
