// The one configuration: the environment and the site tables are validated by the same zod schemas that write
// docs/CONFIGURATION.md, the checked-in page is current, and bad values stop the start naming what is wrong.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_DOC, renderConfigDoc } from '../../scripts/config-doc.ts';
import { ENV_SCHEMA, loadConfig } from '../../server/config.ts';
import { DEFAULT_SITE_DIR, loadSiteTables } from '../../server/site/tables.ts';

describe('docs/CONFIGURATION.md', () => {
  it('is what the schemas generate (run npm run config:doc after changing one)', () => {
    expect(fs.readFileSync(CONFIG_DOC, 'utf8')).toBe(renderConfigDoc());
  });

  it('documents every variable the server reads, each with a meaning', () => {
    const doc = renderConfigDoc();
    for (const [name, field] of Object.entries(ENV_SCHEMA.shape)) {
      expect(doc).toContain(`| \`${name}\` |`);
      expect(field.description, name).toBeTruthy();
    }
  });
});

describe('environment', () => {
  it('defaults, and empty values count as unset', () => {
    const c = loadConfig({ PORT: '', SIAGA_LOG_LEVEL: '' }, []);
    expect([c.port, c.logLevel, c.demo, c.noStreams, c.intakeRatePerS]).toEqual([8080, 'info', false, false, 300]);
    expect(loadConfig({ SIAGA_DEMO: '1', SIAGA_NO_STREAMS: '1', SIAGA_LOG_LEVEL: 'warn' }, [])).toMatchObject({ demo: true, noStreams: true, logLevel: 'warn' });
  });

  it('a bad value stops the start, naming every bad variable and what it got', () => {
    expect(() => loadConfig({ PORT: '80a', SIAGA_LOG_LEVEL: 'loud', SIAGA_DEMO: 'yes' }, [])).toThrow(
      /PORT: must be an integer 0\.\.65535, got "80a".*SIAGA_LOG_LEVEL: .*got "loud".*SIAGA_DEMO: .*got "yes"/,
    );
    expect(() => loadConfig({ SIAGA_BACKUP_INTERVAL_S: '-1' }, [])).toThrow(/SIAGA_BACKUP_INTERVAL_S/);
  });
});

describe('site tables', () => {
  const withEdit = (file: string, edit: (json: any) => void) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-site-'));
    for (const f of ['routing.json', 'sla.json', 'population.json']) fs.copyFileSync(path.join(DEFAULT_SITE_DIR, f), path.join(dir, f));
    const json = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    edit(json);
    fs.writeFileSync(path.join(dir, file), JSON.stringify(json));
    return dir;
  };

  it('the shipped tables load, and route every category', () => {
    const t = loadSiteTables();
    expect(Object.keys(t.routing.agencies)).toContain('damkar');
    expect(t.routing.routes.lainnya?.length).toBeGreaterThan(0);
    expect(t.sla.rules.at(-1)).toMatchObject({ agency: '*', categories: '*' });
  });

  it('an error names the file and the field', () => {
    expect(() => loadSiteTables(withEdit('routing.json', (j) => j.routes.kebakaran.push('pemadam')))).toThrow(/routing\.json: routes\.kebakaran\.3: unknown agency pemadam/);
    expect(() => loadSiteTables(withEdit('routing.json', (j) => (j.routes.kebakarn = ['damkar'])))).toThrow(/routing\.json: routes: .*"kebakarn"/);
    expect(() => loadSiteTables(withEdit('routing.json', (j) => (j.agencies.damkar.phone = '11-3')))).toThrow(/routing\.json: agencies\.damkar\.phone: digits only/);
    expect(() => loadSiteTables(withEdit('sla.json', (j) => (j.rules[0].agency = 'pemadam')))).toThrow(/sla\.json: rules\.0\.agency: unknown agency pemadam/);
    expect(() => loadSiteTables(withEdit('sla.json', (j) => j.rules.pop()))).toThrow(/sla\.json: rules\.\d+: the last rule must cover/);
    expect(() => loadSiteTables(withEdit('sla.json', (j) => (j.dispatch.redS = j.dispatch.amberS)))).toThrow(/sla\.json: dispatch\.redS: redS must be more than amberS/);
    expect(() => loadSiteTables(withEdit('sla.json', (j) => delete j.dispatch))).toThrow(/sla\.json: dispatch: /);
    expect(() => loadSiteTables(withEdit('population.json', (j) => ((j._source = null), (j.kecamatan = { Sail: 20000 }))))).toThrow(/population\.json: _source/);
  });
});
