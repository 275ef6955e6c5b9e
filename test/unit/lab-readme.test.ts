// mininet/README.md names the apps `signalbox lab` really starts by default (the controller's apps.enabled; it said l2-learning while the lab ran forwarding and proxy-arp).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAB_USAGE } from '../../src/cli/lab.js';
import { defaultConfig } from '../../src/config.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('mininet/README.md', () => {
  it("states the lab's default apps as the controller's default set", () => {
    const readme = readFileSync(join(ROOT, 'mininet/README.md'), 'utf8').replace(/\s+/g, ' ');
    const names = defaultConfig.apps.enabled.map((a) => `\`${a}\``).join(', ');
    expect(readme).toContain(`with the controller's default apps (${names}: \`apps.enabled\``);
    expect(LAB_USAGE).toMatch(/default: the controller's default set/);
  });
});
