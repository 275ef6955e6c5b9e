/**
 * The console's entry: asks the API whether a token is needed (`/api/v1/whoami`), shows the
 * login prompt until a valid one is given (kept in sessionStorage for the tab), then the
 * navigation bar and the view the location hash names.
 */
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Api, type WhoAmI } from './api.js';
import { clearToken, loadToken, saveToken } from './auth.js';
import { openSession, type Session } from './session.js';
import { VIEWS } from './views/index.js';
import './style.css';

/** Where the page is: asking whoami, at the login prompt, signed in (with the token whoami admitted), or unable to reach the API. */
type Gate = { state: 'checking' } | { state: 'login'; error?: string } | { state: 'ready'; who: WhoAmI; token: string | undefined } | { state: 'error'; message: string };

function useHash(): string[] {
  const read = (): string[] => location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [parts, setParts] = useState(read);
  useEffect(() => {
    const on = (): void => setParts(read());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return parts;
}

function Login(props: { error: string | undefined; onToken: (t: string) => void }) {
  const [value, setValue] = useState('');
  return (
    <main class="login">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) props.onToken(value.trim());
        }}
      >
        <h1>Signalbox</h1>
        <p>This controller needs an API token.</p>
        <label>
          Token
          <input name="token" type="password" autocomplete="current-password" value={value} onInput={(e) => setValue(e.currentTarget.value)} autofocus />
        </label>
        {props.error && <p class="error" role="alert">{props.error}</p>}
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}

function Shell(props: { session: Session; who: WhoAmI; onLogout: () => void }) {
  const [path, ...params] = useHash();
  const view = VIEWS.find((v) => v.path === path) ?? VIEWS[0]!;
  const View = view.component;
  return (
    <div class="shell">
      <header>
        <span class="brand">Signalbox</span>
        <nav>
          {VIEWS.filter((v) => v.nav).map((v) => (
            <a href={`#/${v.path}`} class={v === view ? 'active' : ''} key={v.path}>
              {v.title}
            </a>
          ))}
        </nav>
        <span class="who" data-scope={props.who.scope}>
          {props.who.tokensRequired ? `${props.who.name ?? 'token'} (${props.who.scope})` : 'local (admin)'}
        </span>
        {props.who.tokensRequired && (
          <button type="button" class="link" onClick={props.onLogout}>
            Sign out
          </button>
        )}
      </header>
      <View session={props.session} params={view.path === path ? params : []} key={view.path} />
    </div>
  );
}

function App() {
  const [token, setToken] = useState<string | undefined>(loadToken);
  const [gate, setGate] = useState<Gate>({ state: 'checking' });

  useEffect(() => {
    let live = true;
    setGate({ state: 'checking' });
    new Api(() => token)
      .whoami()
      .then((who) => {
        if (!live) return;
        if (who.scope === 'none') {
          if (token) clearToken();
          setGate({ state: 'login', ...(token ? { error: 'That token is not valid here.' } : {}) });
        } else {
          setGate({ state: 'ready', who, token });
        }
      })
      .catch((e: Error) => live && setGate({ state: 'error', message: e.message }));
    return () => {
      live = false;
    };
  }, [token]);

  // One session per admitted token: a signed-out page makes no request with the old one.
  const session = useMemo(() => {
    if (gate.state !== 'ready') return undefined;
    const t = gate.token;
    return openSession(new Api(() => t), gate.who.scope === 'admin' ? 'admin' : 'read', () => t);
  }, [gate]);
  useEffect(() => () => session?.close(), [session]);

  switch (gate.state) {
    case 'checking':
      return <p class="loading">Connecting…</p>;
    case 'error':
      return <p class="error" role="alert">Cannot reach the controller: {gate.message}</p>;
    case 'login':
      return (
        <Login
          error={gate.error}
          onToken={(t) => {
            saveToken(t);
            setToken(t);
          }}
        />
      );
    case 'ready':
      return (
        <Shell
          session={session!}
          who={gate.who}
          onLogout={() => {
            clearToken();
            setToken(undefined);
          }}
        />
      );
    default: {
      const never: never = gate;
      return never;
    }
  }
}

render(<App />, document.getElementById('app')!);
