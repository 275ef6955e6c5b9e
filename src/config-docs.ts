/** Renders docs/configuration.md from the setting declarations (src/config.ts and the built-in apps' schemas); a unit test keeps the file up to date. */
import { configSchema } from './config.js';
import { envName } from './config-file.js';
import { defaultsOf, describeSetting, leaves, type SectionSetting } from './core/config-schema.js';
import { aclSchema } from './apps/acl/index.js';
import { forwardingSchema } from './apps/forwarding/index.js';
import { l2LearningSchema } from './apps/l2-learning/index.js';
import { packetInMeterSchema } from './apps/packetin-meter/index.js';
import { proxyArpSchema } from './apps/proxy-arp/index.js';
import { routerSchema } from './apps/router/index.js';
import { staticFlowsSchema } from './apps/static-flows/index.js';
import { statsSchema } from './apps/stats/index.js';

const APPS: readonly (readonly [string, SectionSetting])[] = [
  ['acl', aclSchema as SectionSetting],
  ['forwarding', forwardingSchema as SectionSetting],
  ['l2-learning', l2LearningSchema as SectionSetting],
  ['packetin-meter', packetInMeterSchema as SectionSetting],
  ['proxy-arp', proxyArpSchema as SectionSetting],
  ['router', routerSchema as SectionSetting],
  ['static-flows', staticFlowsSchema as SectionSetting],
  ['stats', statsSchema as SectionSetting],
];

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function table(s: SectionSetting, prefix: readonly string[], env: boolean): string[] {
  const out = [env ? '| key | type | default | environment | what it does |' : '| key | type | default | what it does |', env ? '| --- | --- | --- | --- | --- |' : '| --- | --- | --- | --- |'];
  for (const l of leaves(s, prefix)) {
    const d = defaultsOf(l.setting);
    const def = d === undefined ? '(none)' : `\`${JSON.stringify(d)}\``;
    const type = describeSetting(l.setting).replace(/\\\|/g, '|');
    out.push(`| \`${l.key}\` | ${cell(type)} | ${cell(def)} |${env ? ` \`${envName(l.key)}\` |` : ''} ${cell(l.setting.doc ?? '')} |`);
  }
  return out;
}

/** The text of docs/configuration.md. */
export function renderConfigReference(): string {
  const lines = [
    '# Configuration reference',
    '',
    '<!-- Generated from the declarations in src/config.ts and the apps\' schemas by `npm run docs:config`; do not edit by hand. -->',
    '',
    'Settings come from the defaults below, a YAML or JSON file (`--config`), `SIGNALBOX_*` environment',
    'variables and command-line flags (`--set KEY=VALUE`), each later source winning; sections merge key',
    'by key, lists are replaced. Environment and `--set` values are read as their type says: numbers,',
    '`true`/`false` (also 1/0, yes/no, on/off), lists as `a,b,c` or JSON, objects as JSON.',
    '',
  ];
  for (const [k, f] of Object.entries(configSchema.fields)) {
    if (f.kind !== 'section') continue;
    lines.push(`## \`${k}\``, '', f.doc ?? '', '', ...table(f, [k], true), '');
  }
  lines.push('## Other settings', '', ...table({ kind: 'section', fields: Object.fromEntries(Object.entries(configSchema.fields).filter(([, f]) => f.kind !== 'section')) }, [], true), '');
  lines.push('## Built-in apps (`apps.settings.<app>`)', '', 'Checked when the app starts and by `PUT /api/v1/apps/<name>/config`; set one with `--set apps.settings.APP.KEY=VALUE`.', '');
  for (const [name, s] of APPS) lines.push(`### \`${name}\``, '', s.doc ?? '', '', ...table(s, ['apps', 'settings', name], false), '');
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
