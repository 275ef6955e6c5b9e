/**
 * The apps view's config editor as pure functions (tested in test/unit/web-app-config.test.ts):
 * an app's effective config as form fields (read-only where the network config declares the key)
 * and the fields the user changed, over the stored override, back into the body of
 * `PUT /api/v1/apps/:name/config`, leaving the checking
 * to the API so the console shows the API's own message.
 */

/** How a field is edited: a checkbox, a number or text input, or JSON text (lists, objects). */
export type FieldKind = 'boolean' | 'number' | 'string' | 'json';

/** One setting of an app as the editor shows it. */
export interface ConfigField {
  readonly key: string;
  readonly kind: FieldKind;
  /** The value as the input holds it (`true`/`false` for a checkbox). */
  readonly text: string;
  /** Declared by the network config: shown, not editable (the API answers 409). */
  readonly declared: boolean;
}

/** `GET /api/v1/config`: the applied network config, `{}` when none. */
export interface AppliedNetworkJson {
  readonly file?: string;
  readonly appliedAt?: number;
  readonly network?: {
    readonly apps?: readonly string[];
    readonly settings?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  };
}

/** The keys of `app`'s settings the network config declares. */
export function declaredKeys(net: AppliedNetworkJson | undefined, app: string): ReadonlySet<string> {
  return new Set(Object.keys(net?.network?.settings?.[app] ?? {}));
}

function kindOf(v: unknown): FieldKind {
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  return 'json';
}

/** The fields of an effective config, in key order. */
export function configFields(config: Readonly<Record<string, unknown>>, declared: ReadonlySet<string>): ConfigField[] {
  return Object.keys(config)
    .sort()
    .map((key) => {
      const v = config[key];
      const kind = kindOf(v);
      return { key, kind, text: kind === 'json' ? JSON.stringify(v, null, 1) : String(v), declared: declared.has(key) };
    });
}

/** A field's text as a JSON value, or a local error (JSON text that does not parse). */
export function fieldValue(kind: FieldKind, text: string): { value: unknown } | { error: string } {
  switch (kind) {
    case 'boolean':
      return { value: text === 'true' };
    case 'number': {
      // Not a number: sent as the text it is, so the API's schema names the field and says why.
      const t = text.trim();
      const n = Number(t);
      return { value: t !== '' && Number.isFinite(n) ? n : text };
    }
    case 'string':
      return { value: text };
    case 'json':
      try {
        return { value: JSON.parse(text) as unknown };
      } catch (e) {
        return { error: `not valid JSON: ${(e as Error).message}` };
      }
    default: {
      const never: never = kind;
      return never;
    }
  }
}

/**
 * The override to PUT: the stored `override` (a PUT replaces it, so earlier changes are kept) with
 * the fields the user changed laid over it, and nothing else: an untouched field stays whatever
 * the defaults or the config file make it, so saving never freezes them into the override. Keys
 * the network config declares are left out (the API refuses them). `changed` lists the edited
 * keys (none: nothing to save); `errors` the fields that do not parse.
 */
export function configBody(
  fields: readonly ConfigField[],
  texts: Readonly<Record<string, string>>,
  override: Readonly<Record<string, unknown>>,
): { body: Record<string, unknown>; changed: string[] } | { errors: Record<string, string> } {
  const declared = new Set(fields.filter((f) => f.declared).map((f) => f.key));
  const body: Record<string, unknown> = Object.fromEntries(Object.entries(override).filter(([k]) => !declared.has(k)));
  const changed: string[] = [];
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const text = texts[f.key];
    if (f.declared || text === undefined || text === f.text) continue;
    const r = fieldValue(f.kind, text);
    if ('error' in r) errors[f.key] = r.error;
    else {
      body[f.key] = r.value;
      changed.push(f.key);
    }
  }
  return Object.keys(errors).length > 0 ? { errors } : { body, changed };
}

/** The setting an API error's `field` names (`body.flowPriority` → `flowPriority`), if any. */
export function fieldKey(field: string | undefined): string | undefined {
  if (!field?.startsWith('body.')) return undefined;
  return field.slice('body.'.length).split(/[.[]/)[0] || undefined;
}
