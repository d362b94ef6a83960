/**
 * Editor assets: message catalogs, help files and node definitions.
 * Every catalog parses, German has exactly the English keys, every key the editor HTML and the shared editor script
 * (resources/navien-editor.js) use exists, the runtime's keys are present, and each node file keeps a literal
 * RED.nodes.registerType('<type>', { ... }) (the Flow Library scorecard parses it).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadEditorScript } from './helpers/editor-script';

// Compiled to build/test/, run from the repository root or from build/test.
const root = [process.cwd(), join(__dirname, '..', '..')].find((dir) => existsSync(join(dir, 'locales', 'en-US')));
if (!root) throw new Error('cannot find the locales/ folder');

const TYPES = ['navien-account', 'navien-status', 'navien-control', 'navien-diagnostics', 'navien-planner'];
const LANGS = readdirSync(join(root, 'locales')).filter((d) => !d.startsWith('.'));

type Catalog = Record<string, unknown>;

function loadCatalog(lang: string, type: string): Catalog {
  return JSON.parse(readFileSync(join(root as string, 'locales', lang, `${type}.json`), 'utf8')) as Catalog;
}

/** Dotted paths of every string leaf. */
function leafKeys(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix];
  assert.ok(value && typeof value === 'object' && !Array.isArray(value), `${prefix}: only objects and strings allowed`);
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => leafKeys(v, prefix ? `${prefix}.${k}` : k));
}

/** Node-RED style placeholders (__name__) used in a message. */
function placeholders(text: string): string[] {
  return [...text.matchAll(/__([A-Za-z0-9]+)__/g)].map((m) => m[1]).sort();
}

function lookup(catalog: Catalog, key: string): unknown {
  return key.split('.').reduce<unknown>((node, part) => (node && typeof node === 'object' ? (node as Catalog)[part] : undefined), catalog);
}

const editorScript = loadEditorScript(root);

/** A node's editor file, its template's shared rows expanded as the editor does (so their keys are checked per type). */
function html(type: string): string {
  return editorScript.expandTemplate(type, readFileSync(join(root as string, 'src', 'nodes', `${type}.html`), 'utf8'));
}

/** Keys the editor asks for: data-i18n attributes (with [attr] prefixes and ; lists) and _('...') calls. */
function editorKeys(source: string): string[] {
  const keys = new Set<string>();
  for (const m of source.matchAll(/data-i18n="([^"]+)"/g)) {
    for (const part of m[1].split(';')) keys.add(part.replace(/^\[[^\]]*\]/, '').trim());
  }
  for (const m of source.matchAll(/\._\(\s*['"]([^'"]+)['"]/g)) keys.add(m[1]);
  // Keys passed around before translation (t(...), placeholderKey): any quoted navien-<type>.<path>.
  for (const m of source.matchAll(/['"](navien-(?:account|status|control|diagnostics|planner)\.[A-Za-z0-9.-]+)['"]/g)) {
    if (!m[1].endsWith('.svg')) keys.add(m[1]);
  }
  return [...keys].filter((k) => k !== '');
}

const STATUS_KEYS = [
  'connecting', 'connected', 'reconnecting', 'deep-reconnect', 'offline', 'invalid-credentials', 'missing-credentials',
  'missing-account', 'cloud-unavailable', 'sdk-unavailable', 'closed', 'sending', 'waiting', 'read-only',
];
const RUNTIME_KEYS: Record<string, string[]> = {
  'navien-account': [
    'invalid-credentials', 'missing-credentials', 'cloud-unavailable', 'sdk-unavailable',
    'refused', 'retype-password', 'json-only', 'ca-file', 'endpoint-config', 'still-connecting', 'not-deployed',
  ].map((k) => `errors.${k}`),
  'navien-status': ['no-device', 'request-failed', 'held-full', 'held-expired'].map((k) => `errors.${k}`),
  'navien-control': [
    'unknown-key', 'bad-type', 'out-of-range', 'bad-enum', 'unsupported', 'read-only', 'power-off-disallowed', 'no-device',
    'empty', 'queue-full', 'expired', 'refused', 'timeout', 'held-full', 'held-expired', 'not-applied', 'program-paused',
  ].map((k) => `errors.${k}`),
  'navien-diagnostics': ['errors.unknown-command'],
  'navien-planner': [
    ...['bad-input', 'no-device', 'read-only', 'unsupported', 'queue-full', 'heater-off', 'heater-vacation', 'status-unknown',
      'program-full', 'program-off', 'timed-off', 'timed-vacation', 'timed-unknown', 'no-boost', 'program-paused'].map((k) => `errors.${k}`),
    ...['waiting-prices', 'planned', 'planned-none', 'planned-done', 'not-applied-read-only', 'not-applied-unsupported'].map((k) => `status.${k}`),
    ...['preview', 'live', 'device'].map((k) => `apply.${k}`),
  ],
};
const REQUIRED_ARGS: Record<string, string[]> = {
  'navien-account.errors.cloud-unavailable': ['error'],
  'navien-account.errors.refused': ['reason'],
  'navien-account.errors.endpoint-config': ['error'],
  'navien-account.errors.still-connecting': ['error'],
  'navien-status.errors.request-failed': ['error'],
  'navien-control.errors.unknown-key': ['allowed', 'key'],
  'navien-control.errors.bad-type': ['expected', 'field', 'value'],
  'navien-control.errors.out-of-range': ['field', 'max', 'min', 'value'],
  'navien-control.errors.bad-enum': ['allowed', 'field', 'value'],
  'navien-control.errors.unsupported': ['field'],
  'navien-control.errors.read-only': ['field'],
  'navien-control.errors.empty': ['allowed'],
  'navien-status.errors.held-full': ['max'],
  'navien-status.errors.held-expired': ['seconds'],
  'navien-control.errors.held-full': ['max'],
  'navien-control.errors.held-expired': ['seconds'],
  'navien-planner.errors.bad-input': ['expected', 'path', 'value'],
  'navien-planner.errors.read-only': ['field'],
  'navien-planner.errors.unsupported': ['field'],
  'navien-planner.errors.program-full': ['free', 'needed'],
  'navien-planner.errors.program-off': ['entries'],
  'navien-planner.status.planned': ['apply', 'next', 'windows'],
};

describe('editor locales and node definitions', () => {
  it('has en-US and de for every node type', () => {
    assert.ok(LANGS.includes('en-US') && LANGS.includes('de'), `languages found: ${LANGS.join(', ')}`);
    for (const lang of LANGS) {
      for (const type of TYPES) {
        for (const ext of ['json', 'html']) {
          assert.ok(existsSync(join(root, 'locales', lang, `${type}.${ext}`)), `missing locales/${lang}/${type}.${ext}`);
        }
      }
    }
  });

  it('every key used by the shared editor script (resources/navien-editor.js) exists in en-US', () => {
    const source = readFileSync(join(root, 'resources', 'navien-editor.js'), 'utf8');
    // Keys built from the type (`type + '.label.'`) are in the shared rows: checked in each dialog's expanded template.
    const keys = editorKeys(source).filter((key) => !key.includes("' + "));
    assert.ok(keys.length > 0, 'no i18n keys found');
    for (const key of keys) {
      const type = key.split('.')[0];
      assert.ok(TYPES.includes(type), `navien-editor.js uses ${key} of no node type`);
      assert.equal(typeof lookup(loadCatalog('en-US', type), key), 'string', `navien-editor.js uses unknown key ${key}`);
    }
  });

  for (const type of TYPES) {
    describe(type, () => {
      it('catalogs parse and are rooted at the node type', () => {
        for (const lang of LANGS) {
          const catalog = loadCatalog(lang, type);
          assert.deepEqual(Object.keys(catalog), [type], `locales/${lang}/${type}.json`);
        }
      });

      it('every language has exactly the en-US keys and placeholders', () => {
        const en = loadCatalog('en-US', type);
        const enKeys = leafKeys(en).sort();
        for (const lang of LANGS.filter((l) => l !== 'en-US')) {
          const other = loadCatalog(lang, type);
          assert.deepEqual(leafKeys(other).sort(), enKeys, `locales/${lang}/${type}.json keys differ from en-US`);
          for (const key of enKeys) {
            assert.deepEqual(placeholders(lookup(other, key) as string), placeholders(lookup(en, key) as string),
              `${lang}: placeholders of ${key}`);
            assert.notEqual((lookup(other, key) as string).trim(), '', `${lang}: ${key} is empty`);
          }
        }
      });

      it('holds every key the runtime uses', () => {
        for (const lang of LANGS) {
          const catalog = loadCatalog(lang, type);
          for (const key of [...STATUS_KEYS.map((k) => `status.${k}`), ...RUNTIME_KEYS[type]]) {
            const full = `${type}.${key}`;
            const text = lookup(catalog, full);
            assert.equal(typeof text, 'string', `${lang}: missing ${full}`);
            for (const arg of REQUIRED_ARGS[full] ?? []) {
              assert.ok(placeholders(text as string).includes(arg), `${lang}: ${full} lacks __${arg}__`);
            }
          }
          assert.ok(placeholders(lookup(catalog, `${type}.status.reconnecting`) as string).includes('seconds'));
        }
      });

      it('every key used by the editor HTML exists in en-US', () => {
        const source = html(type);
        const own = loadCatalog('en-US', type);
        const account = loadCatalog('en-US', 'navien-account');
        const keys = editorKeys(source);
        assert.ok(keys.length > 0, 'no i18n keys found');
        for (const key of keys) {
          // navien-account.* keys are looked up through the account definition's translator.
          const catalog = key.startsWith('navien-account.') ? account : own;
          assert.equal(typeof lookup(catalog, key), 'string', `${type}.html uses unknown key ${key}`);
        }
      });

      it('registers its type with an inline object literal in a text/javascript script', () => {
        const source = html(type);
        const scripts = [...source.matchAll(/<script[^>]*type=["']text\/javascript["'][^>]*>([\s\S]*?)<\/script>/gi)].map((m) => m[1]);
        const re = new RegExp(`RED\\.nodes\\.registerType\\(\\s*'${type}'\\s*,\\s*\\{`);
        assert.ok(scripts.some((s) => re.test(s)), `no RED.nodes.registerType('${type}', { ... })`);
        assert.match(source, new RegExp(`<script type="text/html" data-template-name="${type}">`));
        if (type !== 'navien-account') {
          assert.match(source, /category:\s*'navien'/);
          assert.match(source, new RegExp(`icon:\\s*'${type}\\.svg'`));
          assert.ok(existsSync(join(root, 'icons', `${type}.svg`)), `icons/${type}.svg missing`);
        }
      });

      it('help files follow the core layout in every language', () => {
        for (const lang of LANGS) {
          const help = readFileSync(join(root, 'locales', lang, `${type}.html`), 'utf8');
          assert.match(help, new RegExp(`^<script type="text/html" data-help-name="${type}">\\s*<p>`), `${lang}: first element must be the tooltip paragraph`);
          assert.match(help, /<h3>[^<]+<\/h3>/);
          assert.match(help, /<dl class="message-properties">/);
          assert.ok(!/<script[^>]*src=/i.test(help), `${lang}: help must not load scripts`);
        }
      });
    });
  }
});
