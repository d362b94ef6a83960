import assert from 'node:assert/strict';
import { defaultContextStorePersists } from '../../src/nodes/common/context-persistence';

describe('defaultContextStorePersists: does the default context store outlive a restart (settings.js contextStorage)', () => {
  it('no contextStorage, an empty one or one that is not an object: memory', () => {
    for (const setting of [undefined, null, {}, 'localfilesystem', []]) assert.equal(defaultContextStorePersists(setting), false, JSON.stringify(setting));
  });

  it('a default store: persists unless its module is memory', () => {
    assert.equal(defaultContextStorePersists({ default: { module: 'localfilesystem' } }), true);
    assert.equal(defaultContextStorePersists({ default: { module: 'memory' } }), false);
    assert.equal(defaultContextStorePersists({ default: { module: { open() {} } } }), true, 'a custom module');
    assert.equal(defaultContextStorePersists({ default: {} }), false, 'no module at all (Node-RED refuses to start with it)');
  });

  it('default naming another store follows the alias', () => {
    assert.equal(defaultContextStorePersists({ default: 'file', file: { module: 'localfilesystem' }, mem: { module: 'memory' } }), true);
    assert.equal(defaultContextStorePersists({ default: 'mem', file: { module: 'localfilesystem' }, mem: { module: 'memory' } }), false);
    assert.equal(defaultContextStorePersists({ default: 'missing' }), false);
  });

  it('without default, the first store configured is the default', () => {
    assert.equal(defaultContextStorePersists({ file: { module: 'localfilesystem' }, mem: { module: 'memory' } }), true);
    assert.equal(defaultContextStorePersists({ mem: { module: 'memory' }, file: { module: 'localfilesystem' } }), false);
  });
});
