/** docs/configuration.md is generated from the setting declarations: this fails when it is out of date (`npm run docs:config` rewrites it). */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigReference } from '../../src/config-docs.js';

const FILE = new URL('../../docs/configuration.md', import.meta.url);

describe('docs/configuration.md', () => {
  it('is what the declarations render', () => {
    const text = renderConfigReference();
    if (process.env.SIGNALBOX_TEST_WRITE_DOCS === '1') writeFileSync(FILE, text);
    expect(readFileSync(FILE, 'utf8')).toBe(text);
    expect(text).toContain('`openflow.echoIntervalMs`');
    expect(text).toContain('`apps.settings.forwarding.floodMode`');
  });
});
