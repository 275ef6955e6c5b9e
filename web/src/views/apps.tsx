/**
 * Apps view: every app with its state; an admin may enable or disable it and edit its config
 * (`PUT /api/v1/apps/:name/config`, checked by the API: a 400's message is shown next to the
 * field it names). Settings the network config declares are shown read-only, as are enable and
 * disable when it declares which apps run. `#/apps/<name>` opens an app's config.
 */
import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiFailure } from '../api.js';
import { configBody, configFields, declaredKeys, fieldKey, type AppliedNetworkJson, type ConfigField } from '../app-config.js';
import type { Session } from '../session.js';
import type { ViewProps } from './index.js';

/** One app as `GET /api/v1/apps` lists it. */
export interface AppStatusJson {
  readonly name: string;
  readonly description?: string;
  readonly source?: string;
  readonly state: string;
  readonly packetInPriority?: number;
  readonly recentFailures?: number;
  readonly lastError?: string;
}

const appPath = (name: string, rest = ''): string => `/apps/${encodeURIComponent(name)}${rest}`;

export function AppsView({ session, params }: ViewProps) {
  const [apps, setApps] = useState<readonly AppStatusJson[] | undefined>();
  const [net, setNet] = useState<AppliedNetworkJson | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState<string | undefined>();
  const selected = params[0];
  const admin = session.scope === 'admin';

  const reload = (): void => {
    Promise.all([session.api.get<AppStatusJson[]>('/apps'), session.api.get<AppliedNetworkJson>('/config')])
      .then(([a, n]) => {
        setApps(a);
        setNet(n);
        setError(undefined);
      })
      .catch((e: Error) => setError(e.message));
  };
  useEffect(reload, [session]);

  const appsDeclaredBy = net?.network?.apps !== undefined ? net.file : undefined;
  const toggle = (a: AppStatusJson): void => {
    setBusy(a.name);
    session.api
      .send<AppStatusJson>('POST', appPath(a.name, a.state === 'running' ? '/disable' : '/enable'))
      .then(reload, (e: Error) => setError(e.message))
      .finally(() => setBusy(undefined));
  };

  return (
    <section class="view apps" data-apps={apps?.length ?? 0}>
      <div class="toolbar">
        <span class="counts">{apps ? `${apps.length} apps, ${apps.filter((a) => a.state === 'running').length} running` : 'Loading…'}</span>
        {appsDeclaredBy && <span class="hint">Which apps run is declared by {appsDeclaredBy}.</span>}
        {error && (
          <span class="error" role="alert">
            {error}
          </span>
        )}
      </div>
      <div class="apps-body">
        <table class="grid">
          <thead>
            <tr>
              <th>App</th>
              <th>State</th>
              <th>Packet-in priority</th>
              <th>Failures</th>
              <th>Description</th>
              {admin && <th />}
            </tr>
          </thead>
          <tbody>
            {(apps ?? []).map((a) => (
              <tr key={a.name} data-app={a.name} data-state={a.state} class={a.name === selected ? 'selected' : ''}>
                <td>
                  <a href={`#/apps/${encodeURIComponent(a.name)}`}>{a.name}</a>
                </td>
                <td class={a.state === 'running' ? 'state-up' : a.state === 'failed' ? 'state-down' : ''}>{a.state}</td>
                <td>{a.packetInPriority ?? ''}</td>
                <td title={a.lastError}>{a.recentFailures ?? 0}</td>
                <td>{a.description ?? ''}</td>
                {admin && (
                  <td>
                    <button type="button" data-write="app-toggle" disabled={busy === a.name || appsDeclaredBy !== undefined} title={appsDeclaredBy ? `declared by ${appsDeclaredBy}` : undefined} onClick={() => toggle(a)}>
                      {a.state === 'running' ? 'Disable' : 'Enable'}
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
        {selected && <AppConfig session={session} name={selected} net={net} key={selected} />}
      </div>
    </section>
  );
}

/** One app's effective config: a form for an admin, a read-only list for a read token. */
function AppConfig(props: { session: Session; name: string; net: AppliedNetworkJson | undefined }) {
  const { session, name, net } = props;
  const admin = session.scope === 'admin';
  const [fields, setFields] = useState<readonly ConfigField[] | undefined>();
  // The stored override alone: a Save extends it with what the user changed (a PUT replaces it).
  const [override, setOverride] = useState<Record<string, unknown>>({});
  const [texts, setTexts] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ error: boolean; text: string } | undefined>();
  const [busy, setBusy] = useState(false);

  const show = (config: Record<string, unknown>): void => {
    setFields(configFields(config, declaredKeys(net, name)));
    setTexts({});
  };
  useEffect(() => {
    Promise.all([session.api.get<Record<string, unknown>>(appPath(name, '/config')), session.api.get<Record<string, unknown>>(appPath(name, '/config/override'))])
      .then(([config, stored]) => {
        setOverride(stored);
        show(config);
      })
      .catch((e: Error) => setMessage({ error: true, text: e.message }));
  }, [name, net]);

  const write = (method: 'PUT' | 'DELETE', body?: Record<string, unknown>): void => {
    setBusy(true);
    setErrors({});
    setMessage(undefined);
    session.api
      .send<Record<string, unknown>>(method, appPath(name, '/config'), body)
      .then((config) => {
        setOverride(body ?? {});
        show(config);
        setMessage({ error: false, text: method === 'PUT' ? 'Saved and applied.' : 'Override dropped: back to the config file’s settings.' });
      })
      .catch((e: Error) => {
        const key = e instanceof ApiFailure ? fieldKey(e.field) : undefined;
        if (key !== undefined && fields?.some((f) => f.key === key)) setErrors({ [key]: e.message });
        else setMessage({ error: true, text: e.message });
      })
      .finally(() => setBusy(false));
  };
  const save = (): void => {
    if (!fields) return;
    const r = configBody(fields, texts, override);
    if ('errors' in r) setErrors(r.errors);
    else if (r.changed.length === 0) {
      setErrors({});
      setMessage({ error: false, text: 'Nothing changed: nothing to save.' });
    } else write('PUT', r.body);
  };

  const declaredBy = net?.file ?? 'the network config';
  return (
    <form
      class="card app-config"
      data-app-config={name}
      onSubmit={(e) => {
        e.preventDefault();
        save();
      }}
    >
      <h2>{name}: config</h2>
      {!fields && !message && <p class="hint">Loading…</p>}
      {fields?.length === 0 && <p class="hint">This app has no settings.</p>}
      {fields && fields.length > 0 && (
        <dl>
          {fields.map((f) => {
            const ro = !admin || f.declared;
            const text = texts[f.key] ?? f.text;
            const set = (v: string): void => setTexts((t) => ({ ...t, [f.key]: v }));
            return (
              <Fragment key={f.key}>
                <dt>
                  <label for={`cfg-${f.key}`}>{f.key}</label>
                </dt>
                <dd data-field={f.key} data-declared={f.declared ? 'true' : undefined}>
                  {f.kind === 'boolean' ? (
                    <input id={`cfg-${f.key}`} name={f.key} type="checkbox" checked={text === 'true'} disabled={ro} onChange={(e) => set(String(e.currentTarget.checked))} />
                  ) : f.kind === 'json' ? (
                    <textarea id={`cfg-${f.key}`} name={f.key} rows={Math.min(8, text.split('\n').length)} value={text} readOnly={ro} onInput={(e) => set(e.currentTarget.value)} />
                  ) : (
                    <input id={`cfg-${f.key}`} name={f.key} type="text" value={text} readOnly={ro} onInput={(e) => set(e.currentTarget.value)} />
                  )}
                  {f.declared && <span class="hint"> declared by {declaredBy}</span>}
                  {errors[f.key] && (
                    <span class="error field-error" role="alert">
                      {errors[f.key]}
                    </span>
                  )}
                </dd>
              </Fragment>
            );
          })}
        </dl>
      )}
      {message && (
        <p class={message.error ? 'error' : 'hint'} role={message.error ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
      {admin && fields && fields.some((f) => !f.declared) && (
        <div class="buttons">
          <button type="submit" name="save" data-write="app-config" disabled={busy}>
            Save
          </button>
          <button type="button" name="reset" data-write="app-config-reset" disabled={busy} onClick={() => write('DELETE')}>
            Drop override
          </button>
        </div>
      )}
    </form>
  );
}
